// A conversation page: sends over the messaging socket and shows what others send, live.
// After a dropped connection it rejoins with the last id it holds, so nothing is missed.
(function () {
  "use strict";
  var section = document.querySelector("[data-ws-messaging]");
  if (!section || !window.WebSocket) return;
  var conversation = Number(section.getAttribute("data-conversation"));
  var lastId = Number(section.getAttribute("data-last-id")) || 0;
  var list = section.querySelector(".message-list");
  var form = section.querySelector("[data-message-form]");
  var typing = section.querySelector("[data-typing]");
  var status = section.querySelector("[data-connection]");
  var socket = null;
  var delay = 1000;
  var typingTimer = null;
  var lastTypingSent = 0;

  function label(name) { return section.getAttribute("data-label-" + name) || ""; }

  function bodyText(message) {
    return message.deleted ? label("deleted") : message.body + (message.edited ? " " + label("edited") : "");
  }

  // A message already on the page keeps what the server rendered around it (its quote, file
  // link and forms); only its text changes, and a tombstone loses its file and its forms.
  function update(item, message) {
    var body = item.querySelector(".message-body");
    if (!body) return;
    body.className = "message-body" + (message.deleted ? " deleted" : "");
    body.textContent = bodyText(message);
    if (message.deleted) {
      item.querySelectorAll(".message-attachment, .message-moves, .message-read").forEach(function (node) {
        node.remove();
      });
    }
  }

  function render(message) {
    var item = list.querySelector('[data-message-id="' + message.id + '"]');
    if (item && item.querySelector(".message-body")) {
      update(item, message);
      if (message.id > lastId) lastId = message.id;
      return;
    }
    if (!item) {
      item = document.createElement("li");
      item.className = "message-item";
      item.setAttribute("data-message-id", message.id);
      var before = null;
      for (var i = 0; i < list.children.length; i++) {
        if (Number(list.children[i].getAttribute("data-message-id")) > message.id) { before = list.children[i]; break; }
      }
      list.insertBefore(item, before);
    }
    item.textContent = "";
    var author = document.createElement("strong");
    author.className = "message-author";
    author.textContent = message.author_name;
    var time = document.createElement("time");
    time.setAttribute("datetime", message.created_at);
    time.textContent = " " + message.created_at.slice(0, 16).replace("T", " ") + " ";
    var body = document.createElement("p");
    body.className = "message-body" + (message.deleted ? " deleted" : "");
    body.textContent = bodyText(message);
    item.appendChild(author);
    item.appendChild(time);
    item.appendChild(body);
    if (message.id > lastId) lastId = message.id;
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + section.getAttribute("data-ws-messaging"));
    socket.onopen = function () {
      delay = 1000;
      status.hidden = true;
      socket.send(JSON.stringify({ type: "join", conversation: conversation, after: lastId }));
    };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.conversation !== undefined && data.conversation !== conversation) return;
      if (data.type === "message.new" || data.type === "message.edited" || data.type === "message.deleted") {
        render(data);
        typing.hidden = true;
        if (data.id === lastId && !document.hidden) {
          socket.send(JSON.stringify({ type: "read", conversation: conversation, up_to: lastId }));
        }
      } else if (data.type === "caught_up") {
        section.setAttribute("data-joined", "true");
      } else if (data.type === "typing") {
        typing.textContent = label("typing");
        typing.hidden = false;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typing.hidden = true; }, 4000);
      } else if (data.type === "revoked") {
        socket.onclose = null;
        socket.close();
        status.textContent = label("offline");
        status.hidden = false;
      }
    };
    // Jitter spreads the reconnects of every open page after a restart of the WebSocket process.
    socket.onclose = function () {
      section.removeAttribute("data-joined");
      status.textContent = label("offline");
      status.hidden = false;
      setTimeout(connect, delay * (0.5 + Math.random()));
      delay = Math.min(delay * 2, 30000);
    };
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var field = form.elements.body;
    var text = field.value.trim();
    if (!text || !socket || socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ type: "send", conversation: conversation, body: text }));
    field.value = "";
  });
  form.elements.body.addEventListener("input", function () {
    var now = Date.now();
    if (socket && socket.readyState === WebSocket.OPEN && now - lastTypingSent > 3000) {
      lastTypingSent = now;
      socket.send(JSON.stringify({ type: "typing", conversation: conversation }));
    }
  });
  connect();
})();
