/* Store workflow pages: scanning into a receipt. A scan (or a typed SKU) + Enter adds one
   to the line whose product it names; the field is cleared and stays focused. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var field = event.target.closest("[data-scan-target='receive']");
    if (!field || event.key !== "Enter") return;
    event.preventDefault();
    var code = field.value.trim();
    var message = document.getElementById(field.getAttribute("aria-describedby"));
    field.value = "";
    if (!code) return;
    var rows = document.querySelectorAll("tr[data-codes]");
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].dataset.codes.split(" ").indexOf(code) !== -1) {
        var input = rows[i].querySelector("[data-receive-qty]");
        var now = parseFloat(input.value || "0") || 0;
        input.value = String(now + 1);
        rows[i].classList.add("scanned");
        if (message) { message.textContent = ""; message.classList.remove("shown"); }
        return;
      }
    }
    if (message) { message.textContent = code + ": not on this order"; }
  });
})();
