// A page that comes back with a refused form moves the focus to its error summary (screen
// readers read it; its links lead to the fields).
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
})();
// A copy button beside a read-only field (the employer's link): shown only where the browser
// can copy; the field itself can always be selected by hand.
(function () {
  "use strict";
  if (!navigator.clipboard) return;
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        button.textContent = button.getAttribute("data-copied");
        setTimeout(function () { button.textContent = label; }, 2000);
      }, function () { field.select(); });
    });
  });
})();
// The unread messages on the menu's Messages item, asked for after the page has loaded.
(function () {
  "use strict";
  var link = document.querySelector("[data-unread-messages]");
  if (!link || !window.fetch) return;
  var badge = link.querySelector("[data-count]");
  fetch(link.getAttribute("data-unread-messages"), { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : { unread: 0 }; })
    .then(function (data) {
      badge.textContent = data.unread;
      badge.hidden = !data.unread;
    }, function () {});
})();
// Live unread-notification count over the portal's own WebSocket; the page works without it.
(function () {
  "use strict";
  var path = document.body.getAttribute("data-ws-notifications");
  if (!path || !window.WebSocket) return;
  var badge = document.querySelector("[data-unread-count]");
  var delay = 1000;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + path);
    socket.onopen = function () { delay = 1000; };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "notification.count" && badge) {
        badge.textContent = data.unread;
        badge.hidden = data.unread === 0;
      }
    };
    // Jitter spreads the reconnects of every open page after a restart of the WebSocket process.
    socket.onclose = function () { setTimeout(connect, delay * (0.5 + Math.random())); delay = Math.min(delay * 2, 30000); };
  }
  connect();
})();
