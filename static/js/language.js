// The language switch of every page: choosing a language submits its form (without this
// script the form's own button does it). A file, not an onchange attribute: the
// Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  document.querySelectorAll(".language-switch select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
