// The chat simulator: each answer replaces the chat box without reloading the page.
(function () {
  "use strict";
  const box = document.getElementById("sim");
  if (!window.fetch || !window.FormData) return;
  box.addEventListener("submit", function (e) {
    const form = e.target;
    if (!form.matches("form[data-sim]")) return;
    e.preventDefault();
    const body = new FormData(form);
    const pressed = e.submitter && e.submitter.name ? e.submitter : null;
    if (pressed) body.append(pressed.name, pressed.value);
    box.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: body,
      headers: { "X-Requested-With": "fetch", "X-CSRF-Token": window.quitaCsrf },
      credentials: "same-origin",
    }).then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        box.innerHTML = html;
        const list = document.getElementById("sim-timeline");
        if (list) list.scrollTop = list.scrollHeight;
        const input = document.getElementById("sim-text");
        if (input) input.focus();
      })
      .catch(function (error) {
        console.error("simulador:", error);
        if (pressed) {
          const hidden = document.createElement("input");
          hidden.type = "hidden"; hidden.name = pressed.name; hidden.value = pressed.value;
          form.appendChild(hidden);
        }
        form.submit();
      });
  });
  const list = document.getElementById("sim-timeline");
  if (list) list.scrollTop = list.scrollHeight;
})();
