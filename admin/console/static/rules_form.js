// The rule form: "add" buttons append one more filter or action row from its template.
(function () {
  document.querySelectorAll("button[data-add]").forEach(function (button) {
    var kind = button.dataset.add;
    var box = document.getElementById(kind + "s");
    var template = document.getElementById(kind + "-template");
    button.addEventListener("click", function () {
      var i = box.querySelectorAll("." + kind + "-row").length;
      var html = template.innerHTML.replace(/__i__/g, String(i)).replace(/__n__/g, String(i + 1));
      box.insertAdjacentHTML("beforeend", html);
      var first = box.querySelector("#" + kind + "s-" + i + "-" + (kind === "filter" ? "field" : "kind"));
      if (first) first.focus();
    });
  });
})();
