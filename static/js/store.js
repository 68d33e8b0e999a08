/* Store workflow pages (suggestions, receiving, counts): small keyboard and htmx helpers.
   No inline scripts (CSP); behaviour hangs on data- attributes. */
(function () {
  "use strict";

  // A refused input answers 400 with the form fragment and its error beside the field:
  // swap it like a success for elements that ask for it (<... data-swap-400>).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var source = detail.requestConfig && detail.requestConfig.elt;  // the element that made the request
    if (detail.xhr && detail.xhr.status === 400 && source && source.closest("[data-swap-400]")) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing) return;
    var field = event.target;
    // Enter commits an inline edit (hx-trigger="change") instead of submitting the form around it.
    if (field.matches && field.matches("[data-enter-commits]")) {
      event.preventDefault();
      field.dispatchEvent(new Event("change", { bubbles: true }));
      return;
    }
    // Enter presses the button the field belongs with (the reason of a rejection -> Reject).
    var target = field.dataset && field.dataset.enterClicks && document.getElementById(field.dataset.enterClicks);
    if (target) {
      event.preventDefault();
      target.click();
    }
  });
})();
