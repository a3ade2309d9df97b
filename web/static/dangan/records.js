/* Record forms of the customer page (htmx): a form sent back with its errors answers 422, which
   htmx would not swap in by default; here it is, so the errors appear beside the fields. */
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // After a swap, put the keyboard where the person was working: the first field with an error.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.xhr.status !== 422) return;
    var invalid = event.detail.target.querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
  });
})();
