// The inbox list refreshes itself when a conversation changes (server-sent events).
(function () {
  "use strict";
  if (!window.EventSource) return;
  const box = document.getElementById("inbox-list");
  const status = document.getElementById("live-status");
  const source = new EventSource("/console/inbox/events");
  let busy = false;
  source.addEventListener("open", function () { status.textContent = "Atualização automática ligada."; });
  source.addEventListener("error", function () { status.textContent = "Reconectando…"; });
  source.addEventListener("inbox", function () {
    if (busy) return;
    busy = true;
    fetch(box.dataset.src, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { box.innerHTML = html; status.textContent = "Atualizado às " + new Date().toLocaleTimeString("pt-BR"); })
      .catch(function () { status.textContent = "Não foi possível atualizar: use o botão Atualizar."; })
      .finally(function () { busy = false; });
  });
})();
