// Live pages: a page showing a referral, a meeting, a case or its mediation asks the server to
// tell it when the object changes, then replaces its content with a fresh copy (the page's own
// view answers, with its own access check). Without WebSockets the page simply stays as it is.
(function () {
  "use strict";
  if (!document.body.hasAttribute("data-ws-notifications") || !window.WebSocket || !window.fetch) return;
  var watchable = /^\/(referrals|meetings|cases|mediation\/case)\/\d+\/$/;
  if (!watchable.test(location.pathname)) return;
  var delay = 1000;
  var opened = false;

  function refresh() {
    fetch(location.href, { credentials: "same-origin", headers: { "X-Live-Refresh": "1" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main");
        var main = document.querySelector("main");
        if (fresh && main) {
          main.innerHTML = fresh.innerHTML;
          main.setAttribute("data-live-refreshed", String(Date.now()));
        }
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
