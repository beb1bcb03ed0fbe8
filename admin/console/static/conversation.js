// A conversation, live: new messages arrive by server-sent events; replies post without a
// reload. The page gives the events URL in the data-events attribute of this script.
(function () {
  "use strict";
  const events = document.currentScript.dataset.events;
  const list = document.getElementById("timeline");
  const status = document.getElementById("live-status");
  function last() {
    const items = list.querySelectorAll("li[data-id]");
    return items.length ? items[items.length - 1].dataset.id : "0";
  }
  function scroll() { list.scrollTop = list.scrollHeight; }
  scroll();
  if (window.EventSource) {
    const source = new EventSource(events + "?after=" + last());
    source.addEventListener("open", function () { status.textContent = "Ao vivo."; });
    source.addEventListener("error", function () { status.textContent = "Reconectando…"; });
    source.addEventListener("message", function (e) {
      if (document.getElementById("m" + e.lastEventId)) return;
      const empty = document.getElementById("empty");
      if (empty) empty.remove();
      list.insertAdjacentHTML("beforeend", e.data);
      scroll();
    });
    source.addEventListener("state", function (e) {
      const data = JSON.parse(e.data);
      const text = document.getElementById("reply-text");
      if (!text || !text.value.trim()) { window.location.reload(); return; }
      status.textContent = "A conversa mudou (" + data.label + "): atualize a página.";
    });
  }
  const form = document.getElementById("reply-form");
  if (form && window.fetch) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      const text = document.getElementById("reply-text");
      const button = form.querySelector("button");
      button.disabled = true;
      fetch(form.getAttribute("action"), {
        method: "POST",
        body: new FormData(form),
        headers: { "Accept": "application/json", "X-CSRF-Token": window.quitaCsrf },
        credentials: "same-origin",
      }).then(function (r) { return r.json(); }).then(function (data) {
        if (data.error) { status.textContent = data.error; return; }
        text.value = "";
        status.textContent = "Mensagem enviada.";
      }).catch(function () { form.submit(); }).finally(function () { button.disabled = false; text.focus(); });
    });
  }
})();
