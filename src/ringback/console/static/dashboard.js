// The customer information center: drag a widget by its heading to reorder.
// The buttons (move up, move down, close, show all) work without this file;
// here the new order is posted to the same layout endpoint and saved per agent.
(function () {
  "use strict";
  function orderOf(list) {
    return Array.prototype.map.call(list.children, function (li) {
      return li.dataset.widget;
    }).join(",");
  }
  function start() {
    var list = document.querySelector("ol.widgets[data-layout-url]");
    if (!list) { return; }
    var dragged = null;
    var before = "";
    Array.prototype.forEach.call(list.children, function (item) {
      item.setAttribute("draggable", "true");
      item.addEventListener("dragstart", function (event) {
        dragged = item;
        before = orderOf(list);
        item.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.dataset.widget);
      });
      item.addEventListener("dragend", function () {
        item.classList.remove("dragging");
        dragged = null;
        // Saved on dragend, not drop: once the widget has moved under the
        // pointer the drop lands on the dragged widget itself, or nowhere.
        if (orderOf(list) !== before) { save(); }
      });
    });
    // The whole list accepts the drop, so no part of it shows "not allowed".
    list.addEventListener("dragover", function (event) {
      if (!dragged) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      var item = event.target.closest ? event.target.closest("ol.widgets > li") : null;
      if (!item || item === dragged) { return; }
      var box = item.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? item.nextSibling : item);
    });
    list.addEventListener("drop", function (event) {
      if (dragged) { event.preventDefault(); }
    });
    function save() {
      var body = new URLSearchParams();
      body.set("action", "order");
      body.set("order", orderOf(list));
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
