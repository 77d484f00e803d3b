// Live pages: a page showing a referral, a meeting, a case or its mediation asks the server to
// tell it when the object changes, then replaces its content with a fresh copy (the page's own
// view answers, with its own access check). The list of conversations hears when one of them
// has news and fetches its unread counts again the same way. Without WebSockets the page
// simply stays as it is.
(function () {
  "use strict";
  if (!document.body.hasAttribute("data-ws-notifications") || !window.WebSocket || !window.fetch) return;
  var watchable = /^\/(?:(?:referrals|meetings|cases|mediation\/case)\/\d+|messaging)\/$/;
  if (!watchable.test(location.pathname)) return;
  var delay = 1000;
  var opened = false;
  var busy = false;
  var again = false;

  // A page may mark the parts that change ([data-live-part] with an id): only those are
  // replaced, so a search box being typed into is left alone. Otherwise all of <main> is.
  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var main = document.querySelector("main");
    var parts = document.querySelectorAll("[data-live-part][id]");
    if (parts.length) {
      parts.forEach(function (part) {
        var copy = fresh.getElementById(part.id);
        if (copy) part.replaceWith(document.importNode(copy, true));
      });
    } else {
      var content = fresh.querySelector("main");
      if (!content || !main) return;
      main.innerHTML = content.innerHTML;
    }
    if (main) main.setAttribute("data-live-refreshed", String(Date.now()));
  }

  // One fetch at a time: a burst of news while one is on its way makes one more, not many.
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, { credentials: "same-origin", headers: { "X-Live-Refresh": "1" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html) swap(html); }, function () {})
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/messaging/");
    socket.onopen = function () {
      delay = 1000;
      socket.send(JSON.stringify({ type: "watch", path: location.pathname }));
    };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "changed") refresh();
      // After a reconnect the object may have changed while we were away.
      if (data.type === "watching" && opened) refresh();
      if (data.type === "watching") {
        opened = true;
        document.body.setAttribute("data-live", "watching");
      }
    };
    socket.onclose = function () { setTimeout(connect, delay * (0.5 + Math.random())); delay = Math.min(delay * 2, 30000); };
  }
  connect();
})();
