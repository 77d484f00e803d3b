// The public kiosk pages. Everything works without this script; it adds (portal.js moves the
// focus to an error summary):
// - at a kiosk terminal, the idle timeout: after data-idle-seconds without input a dialog counts
//   down data-countdown-seconds, then the screen is emptied and the draft discarded on the
//   server (POST to the discard form), so the next person at the shared terminal sees nothing;
// - the "print this page" button.
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  var body = document.body;
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var dialog = document.querySelector("[data-idle-dialog]");
  if (!idleSeconds || !dialog) return;
  var countdownSeconds = parseInt(body.getAttribute("data-countdown-seconds") || "30", 10);
  var counter = dialog.querySelector("[data-countdown]");
  var stay = dialog.querySelector("[data-still-here]");
  var form = dialog.querySelector("form");
  var idleTimer = null;
  var tickTimer = null;
  var remaining = 0;
  var lastFocus = null;

  function wipe() {
    clearInterval(tickTimer);
    // The screen first: nothing the last person typed stays visible while the server works.
    var main = document.getElementById("main");
    if (main) main.replaceChildren();
    try { window.sessionStorage.clear(); window.localStorage.clear(); } catch (e) { /* private mode */ }
    form.submit();
  }

  function tick() {
    remaining -= 1;
    counter.textContent = String(Math.max(remaining, 0));
    if (remaining <= 0) wipe();
  }

  function warn() {
    remaining = countdownSeconds;
    counter.textContent = String(remaining);
    lastFocus = document.activeElement;
    dialog.hidden = false;
    stay.focus();
    tickTimer = setInterval(tick, 1000);
  }

  function restart() {
    if (!dialog.hidden) return; // only "I am still here" ends the countdown
    clearTimeout(idleTimer);
    idleTimer = setTimeout(warn, idleSeconds * 1000);
  }

  stay.addEventListener("click", function () {
    clearInterval(tickTimer);
    dialog.hidden = true;
    if (lastFocus && lastFocus.focus) lastFocus.focus();
    restart();
  });
  ["pointerdown", "keydown", "input", "touchstart", "wheel", "scroll"].forEach(function (name) {
    document.addEventListener(name, restart, { passive: true, capture: true });
  });
  restart();
})();
