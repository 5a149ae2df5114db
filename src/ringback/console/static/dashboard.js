// The customer information center: drag a widget by its heading to reorder.
// The buttons (move up, move down, close, show all) work without this file;
// here the new order is posted to the same layout endpoint and saved per agent.
(function () {
  "use strict";
  function start() {
    var list = document.querySelector("ol.widgets[data-layout-url]");
    if (!list) { return; }
    var dragged = null;
    Array.prototype.forEach.call(list.children, function (item) {
      item.setAttribute("draggable", "true");
      item.addEventListener("dragstart", function (event) {
        dragged = item;
        item.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.dataset.widget);
      });
      item.addEventListener("dragend", function () {
        item.classList.remove("dragging");
        dragged = null;
      });
      item.addEventListener("dragover", function (event) {
        if (!dragged || dragged === item) { return; }
        event.preventDefault();
        var box = item.getBoundingClientRect();
        var after = event.clientY > box.top + box.height / 2;
        list.insertBefore(dragged, after ? item.nextSibling : item);
      });
      item.addEventListener("drop", function (event) {
        event.preventDefault();
        save();
      });
    });
    function save() {
      var order = Array.prototype.map.call(list.children, function (li) {
        return li.dataset.widget;
      });
      var body = new URLSearchParams();
      body.set("action", "order");
      body.set("order", order.join(","));
      body.set("csrf_token", list.dataset.csrf);
      fetch(list.dataset.layoutUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Accept": "application/json", "X-CSRF-Token": list.dataset.csrf},
        body: body
      });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
