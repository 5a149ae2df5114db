// ringback console: the little script there is. Admins hold every area, so the
// area checkboxes are switched off while "Admin" is the chosen role, and a
// form's summary of problems takes the focus.
(function () {
  "use strict";
  function syncAreas() {
    var admin = document.querySelector("input[data-role][value='admin']");
    var areas = document.querySelector("[data-permissions]");
    if (!admin || !areas) { return; }
    areas.disabled = admin.checked;
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-role]").forEach(function (input) {
      input.addEventListener("change", syncAreas);
    });
    syncAreas();
    // A form sent back with problems: the summary of them takes the focus, so a
    // keyboard or screen-reader user starts there.
    var problems = document.querySelector("[data-focus-on-load]");
    if (problems) { problems.focus(); }
  });
})();
