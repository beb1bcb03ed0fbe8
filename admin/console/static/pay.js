// The payment page: "copy" buttons put the PIX code on the clipboard.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.dataset.copy);
      field.select();
      navigator.clipboard.writeText(field.value).then(function () { button.textContent = "Copiado!"; });
    });
  });
