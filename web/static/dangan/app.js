/* Dangan web UI behaviour. Every script of the site lives in files like this one: the
   Content-Security-Policy allows no inline script and no inline event handler. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // htmx requests carry the CSRF token like forms do (Django reads X-CSRFToken).
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // After htmx swaps a tab in, mark the chosen tab for assistive technology.
  document.addEventListener("click", function (event) {
    var tab = event.target.closest("[data-tab]");
    if (!tab) return;
    tab.closest("ul").querySelectorAll("[data-tab]").forEach(function (other) {
      other.removeAttribute("aria-current");
    });
    tab.setAttribute("aria-current", "true");
  });

  // Buttons that ask first (data-confirm="…"): deactivating a field, deleting a saved filter.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = (button && button.getAttribute("data-confirm")) ||
      event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  // "Add a contact": copy the formset's empty row and bump its TOTAL_FORMS counter.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row]");
    if (!button) return;
    var prefix = button.getAttribute("data-add-row");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var template = document.getElementById(prefix + "-empty");
    var rows = document.querySelector('[data-formset="' + prefix + '"]');
    if (!total || !template || !rows) return;
    var index = parseInt(total.value, 10);
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var row = holder.firstElementChild;
    rows.appendChild(row);
    total.value = String(index + 1);
    var first = row.querySelector("input, select, textarea");
    if (first) first.focus();
  });

  // The language menu applies at once when changed by pointer; its button stays for keyboards.
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.requestSubmit();
  });
})();
