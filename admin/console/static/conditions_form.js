// The condition form: "add option" appends one more installment-option row.
(function () {
  var button = document.getElementById("add-option");
  var box = document.getElementById("options");
  var template = document.getElementById("option-template");
  button.addEventListener("click", function () {
    var i = box.querySelectorAll(".option-row").length;
    var html = template.innerHTML.replace(/__i__/g, String(i)).replace(/__n__/g, String(i + 1));
    box.insertAdjacentHTML("beforeend", html);
    var first = document.getElementById("options-" + i + "-installments");
    if (first) first.focus();
  });
})();
