// ringback live board: listens to /console/live/events (server-sent events) and
// fetches the board fragment again when a queue moved; ticks waits and countdowns.
(function () {
  "use strict";

  var board, status, pending = null, loading = false, again = false, shownAt = Date.now();
  var opened = 0, lastFetch = 0, since = null;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function duration(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  function tick() {
    var passed = Math.floor((Date.now() - shownAt) / 1000);
    board.querySelectorAll("[data-elapsed]").forEach(function (el) {
      el.textContent = duration(Number(el.getAttribute("data-elapsed")) + passed);
    });
    board.querySelectorAll("[data-countdown]").forEach(function (el) {
      el.textContent = Math.max(0, Number(el.getAttribute("data-countdown")) - passed) + " s";
    });
  }

  function say(text, kind) {
    if (status) { status.innerHTML = '<span class="status ' + kind + '">' + text + "</span>"; }
  }

  function refresh() {
    if (loading) { again = true; return; }
    loading = true;
    lastFetch = Date.now();
    fetch(board.getAttribute("data-fragment-url"), {
      credentials: "same-origin", headers: { "Accept": "text/html" }
    }).then(function (response) {
      if (response.redirected || response.status === 401 || response.status === 403) {
        window.location.reload();  // signed out or no longer allowed: show why
        return null;
      }
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (typeof html === "string") {
        board.innerHTML = html;
        shownAt = Date.now();
        board.dispatchEvent(new CustomEvent("board:updated", { bubbles: true }));
      }
    }).catch(function () {
      say("Reconnecting…", "wait");
    }).finally(function () {
      loading = false;
      if (again) { again = false; refresh(); }
    });
  }

  // A burst of events is one fetch, and a busy queue at most one fetch a second.
  function soon() {
    if (pending !== null) { return; }
    var wait = Math.max(120, 1000 - (Date.now() - lastFetch));
    pending = setTimeout(function () { pending = null; refresh(); }, wait);
  }

  // What the board has seen of each queue's events: sent back with the next
  // request, so the server tells only what moved since.
  function remember(event) {
    var data = {};
    try { data = JSON.parse(event.data); } catch (e) { return data; }
    if (data && data.since) { since = data.since; }
    return data || {};
  }

  function listen() {
    var url = board.getAttribute("data-events-url");
    if (since !== null) {
      url += (url.indexOf("?") < 0 ? "?" : "&") + "since=" +
        encodeURIComponent(JSON.stringify(since));
    }
    var source = new EventSource(url);
    source.addEventListener("open", function () {
      opened += 1;
      board.setAttribute("data-streams", String(opened));  // how many streams so far
      say("Live", "ok");
    });
    source.addEventListener("board", function (event) { remember(event); soon(); });
    source.addEventListener("bye", function (event) {
      remember(event);
      source.close();  // the server ends each stream after a while: open the next one now
      listen();
    });
    source.addEventListener("poll", function (event) {
      // The server holds no stream for this board now: ask again in a moment.
      var seconds = Number(remember(event).seconds) || 3;
      source.close();
      setTimeout(listen, seconds * 1000);
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) {
        say("Disconnected", "off");
        setTimeout(function () { window.location.reload(); }, 3000);
      } else {
        say("Reconnecting…", "wait");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    board = document.getElementById("board");
    status = document.querySelector("[data-live-status]");
    if (!board) { return; }
    setInterval(tick, 1000);
    if (window.EventSource) { listen(); } else { say("Reload for news", "off"); }
  });
})();
