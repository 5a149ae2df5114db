// ringback invitation page: the link's token sits after "#", which browsers
// never send to a server. Take it from there, drop it from the address bar
// and history, and post it; without this script the agent pastes the link.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-invitation]");
    var token = window.location.hash.slice(1);
    if (!form || !token) { return; }
    window.history.replaceState(null, "", window.location.pathname);
    form.elements.namedItem("token").value = token;
    form.hidden = true;
    var opening = document.querySelector("[data-opening]");
    if (opening) { opening.hidden = false; }
    form.submit();
  });
})();
