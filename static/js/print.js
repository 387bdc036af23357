// Buttons marked data-print print the page (an inline onclick would break the Content-Security-Policy).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
