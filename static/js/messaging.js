// A conversation page: sends over the messaging socket and shows what others send, live.
// After a dropped connection it rejoins with the last id it holds, so nothing is missed.
// A message that arrives is shown at once from the event, then replaced by the server's own
// rendering of it (its quote, mentions, file, counts and forms: one template for both).
(function () {
  "use strict";
  var section = document.querySelector("[data-ws-messaging]");
  if (!section || !window.WebSocket) return;
  var conversation = Number(section.getAttribute("data-conversation"));
  var you = Number(section.getAttribute("data-you"));
  var lastId = Number(section.getAttribute("data-last-id")) || 0;
  var backlogArrived = false; // messages came while (re)joining: one read mark when caught up
  var fragments = section.getAttribute("data-fragments");
  var list = section.querySelector(".message-list");
  var form = section.querySelector("[data-message-form]");
  var sendError = section.querySelector("[data-send-error]");
  var typing = section.querySelector("[data-typing]");
  var status = section.querySelector("[data-connection]");
  var presenceList = section.querySelector("[data-presence]");
  var presenceEmpty = section.querySelector("[data-presence-empty]");
  var marksNode = document.getElementById("read-marks");
  var marks = marksNode ? JSON.parse(marksNode.textContent) : {}; // user id → last read id
  var online = {}; // user id → {name, sockets: {socket id: true}}
  var wanted = {}; // message id → "new" or "edit": to fetch as the server renders it
  var fetching = false;
  var awaiting = null; // the client_id of a send (or "ack") waiting for its answer
  var sequence = 0;
  var socket = null;
  var delay = 1000;
  var typingTimer = null;
  var lastTypingSent = 0;

  function label(name) { return section.getAttribute("data-label-" + name) || ""; }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? String(values[key]) : all; });
  }

  function itemOf(id) { return list.querySelector('.message-item[data-message-id="' + id + '"]'); }

  function open() { return socket && socket.readyState === WebSocket.OPEN; }

  function bodyText(message) {
    return message.deleted ? label("deleted") : message.body + (message.edited ? " " + label("edited") : "");
  }

  function insert(item) {
    var id = Number(item.getAttribute("data-message-id"));
    var before = null;
    for (var i = 0; i < list.children.length; i++) {
      if (Number(list.children[i].getAttribute("data-message-id")) > id) { before = list.children[i]; break; }
    }
    list.insertBefore(item, before);
  }

  // What the event itself carries, shown until the server's rendering arrives.
  function placeholder(message) {
    var item = document.createElement("li");
    item.className = "message-item";
    item.setAttribute("data-message-id", message.id);
    item.setAttribute("data-author", message.author);
    item.setAttribute("data-pending", "true");
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
    insert(item);
  }

  // A message already on the page changes its text at once; a tombstone loses everything but
  // its author, time and quote.
  function update(item, message) {
    if (message.deleted) {
      item.querySelectorAll(".message-content, .message-moves, .message-read, .message-ack").forEach(function (node) {
        node.remove();
      });
      item.classList.remove("mentions-you");
    }
    var body = item.querySelector(".message-body");
    if (!body) {
      body = document.createElement("p");
      item.appendChild(body);
    }
    body.className = "message-body" + (message.deleted ? " deleted" : "");
    body.textContent = bodyText(message);
  }

  function want(id, why) {
    if (!fragments) return;
    if (wanted[id] !== "new") wanted[id] = why;
    setTimeout(fetchWanted, 0);
  }

  // One request at a time, up to 100 messages each: a reconnect's backlog comes in batches.
  function fetchWanted() {
    var ids = Object.keys(wanted).slice(0, 100);
    if (fetching || !ids.length || !window.fetch) return;
    var why = {};
    ids.forEach(function (id) { why[id] = wanted[id]; delete wanted[id]; });
    fetching = true;
    var url = fragments + "?ids=" + ids.join(",") + "&next=" + encodeURIComponent(location.pathname);
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        var holder = document.createElement("template");
        holder.innerHTML = html;
        holder.content.querySelectorAll(".message-item").forEach(function (fresh) {
          adopt(fresh, why[fresh.getAttribute("data-message-id")]);
        });
      }, function () {})
      .then(function () {
        fetching = false;
        fetchWanted();
      });
  }

  function adopt(fresh, why) {
    var item = itemOf(fresh.getAttribute("data-message-id"));
    if (!item) {
      insert(fresh);
    } else if (item.hasAttribute("data-pending") || why === "new" || !fresh.querySelector(".message-content")) {
      item.replaceWith(fresh);
    } else {
      // An edit: the new text and its history, leaving open forms (a reply being typed) alone.
      var content = item.querySelector(".message-content");
      if (content) content.replaceWith(fresh.querySelector(".message-content"));
      return;
    }
    showReads(fresh);
    section.setAttribute("data-rendered", fresh.getAttribute("data-message-id"));
  }

  function arrived(message) {
    var item = itemOf(message.id);
    if (message.type === "message.new") {
      // The service counts the author as having read up to their own message.
      marks[message.author] = Math.max(marks[message.author] || 0, message.id);
      if (!item) {
        placeholder(message);
        want(message.id, "new");
      }
      if (message.id > lastId) lastId = message.id;
      return;
    }
    if (!item) return; // older than the page shows
    update(item, message);
    if (message.type === "message.edited") want(message.id, "edit");
  }

  function showReads(item) {
    var node = item.querySelector(".message-read");
    if (!node) return;
    var id = Number(item.getAttribute("data-message-id"));
    var author = item.getAttribute("data-author");
    var readers = 0;
    Object.keys(marks).forEach(function (user) {
      if (user !== author && marks[user] >= id) readers += 1;
    });
    node.textContent = fill(label("read"), { readers: readers });
    node.hidden = readers === 0;
  }

  function acknowledged(data) {
    var item = itemOf(data.message);
    if (!item) return;
    var node = item.querySelector(".message-ack");
    if (node && data.addressees !== undefined) {
      node.textContent = fill(label("ack"), { done: data.acknowledged, total: data.addressees });
    }
    if (data.user === you) {
      var ack = item.querySelector("[data-ack-form]");
      if (ack) ack.remove();
      if (awaiting === "ack") awaiting = null;
    }
  }

  function presence(data) {
    if (data.user === you) return; // one's own other tabs
    var entry = online[data.user] || { name: data.name, sockets: {} };
    if (data.state === "offline") delete entry.sockets[data.socket];
    else entry.sockets[data.socket] = true;
    if (Object.keys(entry.sockets).length) online[data.user] = entry;
    else delete online[data.user];
    drawPresence();
  }

  function drawPresence() {
    presenceList.textContent = "";
    var users = Object.keys(online).sort(function (a, b) { return online[a].name.localeCompare(online[b].name); });
    users.forEach(function (user) {
      var item = document.createElement("li");
      item.setAttribute("data-user", user);
      item.textContent = online[user].name;
      presenceList.appendChild(item);
    });
    presenceEmpty.hidden = users.length > 0;
  }

  function showError(text) {
    sendError.textContent = text;
    sendError.hidden = !text;
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
        arrived(data);
        typing.hidden = true;
        if (!section.hasAttribute("data-joined")) {
          backlogArrived = true; // read once the whole backlog is here, not message by message
        } else if (data.id === lastId && !document.hidden) {
          socket.send(JSON.stringify({ type: "read", conversation: conversation, up_to: lastId }));
        }
      } else if (data.type === "read") {
        marks[data.user] = Math.max(marks[data.user] || 0, data.last_read_id);
        list.querySelectorAll(".message-item").forEach(showReads);
      } else if (data.type === "acknowledged") {
        acknowledged(data);
      } else if (data.type === "presence") {
        presence(data);
      } else if (data.type === "sent") {
        if (data.client_id === awaiting) {
          awaiting = null;
          if (form) form.reset();
          picked = [];
          showError("");
        }
      } else if (data.type === "error") {
        if (awaiting) {
          awaiting = null;
          showError(data.detail || label("refused"));
        }
      } else if (data.type === "caught_up") {
        if (data.more) {
          // The backlog comes in pages: ask for the next one until it is all here.
          socket.send(JSON.stringify({ type: "join", conversation: conversation, after: data.last }));
        } else {
          section.setAttribute("data-joined", "true");
          if (backlogArrived && !document.hidden) {
            socket.send(JSON.stringify({ type: "read", conversation: conversation, up_to: lastId }));
          }
          backlogArrived = false;
        }
      } else if (data.type === "typing") {
        var who = online[data.user] ? online[data.user].name + " " : "";
        typing.textContent = who + label("typing");
        typing.hidden = false;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typing.hidden = true; }, 4000);
      } else if (data.type === "revoked") {
        socket.onclose = null;
        socket.close();
        online = {};
        drawPresence();
        status.textContent = label("offline");
        status.hidden = false;
      }
    };
    // Jitter spreads the reconnects of every open page after a restart of the WebSocket process.
    socket.onclose = function () {
      section.removeAttribute("data-joined");
      online = {}; // whoever is still here says so again when we rejoin
      drawPresence();
      status.textContent = label("offline");
      status.hidden = false;
      setTimeout(connect, delay * (0.5 + Math.random()));
      delay = Math.min(delay * 2, 30000);
    };
  }

  // "@" and a few letters offer the people and agencies of the conversation; the one chosen
  // goes into the text as "@name" and is mentioned if the text still holds it when sent.
  var box = form ? form.elements.body : null;
  var options = document.getElementById("mention-options");
  var candidatesNode = document.getElementById("mention-candidates");
  var candidates = candidatesNode ? JSON.parse(candidatesNode.textContent) : [];
  var picked = [];
  var matches = [];
  var active = 0;

  function typedMention() {
    var before = box.value.slice(0, box.selectionStart);
    var found = /(^|\s)@([^\s@]*)$/.exec(before);
    return found ? { start: before.length - found[2].length - 1, text: found[2].toLowerCase() } : null;
  }

  if (form) {  // a read-only reader has no form
    function closeOptions() {
      matches = [];
      options.hidden = true;
      options.textContent = "";
      box.removeAttribute("aria-activedescendant");
    }

    function drawOptions() {
      options.textContent = "";
      matches.forEach(function (candidate, index) {
        var item = document.createElement("li");
        item.id = "mention-option-" + index;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", index === active ? "true" : "false");
        item.textContent = candidate.name + (candidate.detail ? " · " + candidate.detail : "");
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(candidate);
        });
        options.appendChild(item);
      });
      options.hidden = matches.length === 0;
      if (matches.length) box.setAttribute("aria-activedescendant", "mention-option-" + active);
      else box.removeAttribute("aria-activedescendant");
    }

    function offer() {
      var typed = candidates.length ? typedMention() : null;
      if (!typed) { closeOptions(); return; }
      matches = candidates.filter(function (candidate) {
        return candidate.name.toLowerCase().indexOf(typed.text) !== -1;
      }).slice(0, 8);
      active = 0;
      drawOptions();
    }

    function choose(candidate) {
      var typed = typedMention();
      if (!typed) return;
      var after = box.value.slice(box.selectionStart);
      var text = box.value.slice(0, typed.start) + "@" + candidate.name + " ";
      box.value = text + after;
      box.setSelectionRange(text.length, text.length);
      picked.push(candidate);
      closeOptions();
      box.focus();
    }

    function mentioned(kind, text) {
      var ids = [];
      picked.forEach(function (candidate) {
        if (candidate.kind === kind && text.indexOf("@" + candidate.name) !== -1 && ids.indexOf(candidate.id) === -1) {
          ids.push(candidate.id);
        }
      });
      return ids;
    }

    box.addEventListener("keydown", function (event) {
      if (!options.hidden && matches.length) {
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          event.preventDefault();
          active = (active + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
          drawOptions();
          return;
        }
        if (event.key === "Enter" || event.key === "Tab") {
          event.preventDefault();
          choose(matches[active]);
          return;
        }
        if (event.key === "Escape") {
          event.preventDefault();
          closeOptions();
          return;
        }
      }
      // Enter sends, Shift+Enter is a new line; never while an input method is composing.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        if (form.requestSubmit) form.requestSubmit();
        else form.dispatchEvent(new Event("submit", { cancelable: true }));
      }
    });
    box.addEventListener("input", offer);
    box.addEventListener("blur", function () { setTimeout(closeOptions, 150); });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = form.elements.body.value.trim();
      if (!text || !open()) return;
      sequence += 1;
      awaiting = "c" + sequence;
      var ack = form.elements.ack_requested;
      socket.send(JSON.stringify({
        type: "send",
        conversation: conversation,
        body: text,
        mentions: { users: mentioned("user", text), agencies: mentioned("agency", text) },
        ack_requested: Boolean(ack && ack.checked),
        client_id: awaiting
      }));
    });
    form.elements.body.addEventListener("input", function () {
      var now = Date.now();
      if (open() && now - lastTypingSent > 3000) {
        lastTypingSent = now;
        socket.send(JSON.stringify({ type: "typing", conversation: conversation }));
      }
    });
  }
  // The Acknowledge button goes over the socket when it can (the page stays as it is, and the
  // answer removes the button); without the socket it is an ordinary form post.
  list.addEventListener("submit", function (event) {
    var ack = event.target.closest("[data-ack-form]");
    if (!ack || !open()) return;
    event.preventDefault();
    var item = ack.closest(".message-item");
    ack.querySelector("button").disabled = true;
    awaiting = "ack";
    socket.send(JSON.stringify({ type: "ack", message: Number(item.getAttribute("data-message-id")) }));
  });
  drawPresence();
  connect();
})();
