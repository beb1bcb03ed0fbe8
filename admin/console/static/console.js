// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]');
  window.quitaCsrf = csrf ? csrf.content : "";

  // Sortable tables: click (or Enter on) a header to sort by that column.
  function sortTable(th) {
    const table = th.closest("table");
    const index = Array.from(th.parentNode.children).indexOf(th);
    const body = table.tBodies[0];
    const ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th").forEach((h) => h.removeAttribute("aria-sort"));
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const value = (row) => {
      const cell = row.children[index];
      if (!cell) return "";
      const raw = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
      const number = parseFloat(raw.replace(/[^0-9,.-]/g, "").replace(/\./g, "").replace(",", "."));
      return cell.dataset.sort !== undefined && !isNaN(parseFloat(raw)) ? parseFloat(raw) : (isNaN(number) || /[a-z]/i.test(raw) ? raw.toLowerCase() : number);
    };
    const rows = Array.from(body.rows).filter((r) => r.children.length > 1);
    rows.sort((a, b) => {
      const x = value(a), y = value(b);
      return (x > y ? 1 : x < y ? -1 : 0) * (ascending ? 1 : -1);
    });
    rows.forEach((r) => body.appendChild(r));
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable th").forEach(function (th) {
      th.tabIndex = 0;
      th.addEventListener("click", () => sortTable(th));
      th.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortTable(th); } });
    });
    // Copy buttons.
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        const target = document.getElementById(button.dataset.copy);
        if (target && navigator.clipboard) navigator.clipboard.writeText(target.textContent.trim());
        button.textContent = "Copiado";
      });
    });
  });

  // Forms that delete ask first (data-confirm holds the question): no inline handlers, the
  // Content-Security-Policy runs no inline script.
  document.addEventListener("submit", function (e) {
    const form = e.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);

  // Message templates: the preview follows the form as it is typed (the server renders it),
  // and the e-mail-only fields show for e-mail.
  document.addEventListener("DOMContentLoaded", function () {
    const form = document.querySelector("form[data-preview]");
    if (!form) return;
    const target = document.getElementById("preview");
    let timer = null;
    function refresh() {
      const body = new FormData(form);
      fetch(form.dataset.preview, {
        method: "POST",
        body: body,
        headers: { "X-CSRF-Token": window.quitaCsrf },
        credentials: "same-origin",
      })
        .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
        .then((html) => { target.innerHTML = html; })
        .catch(() => {});
    }
    function showChannelFields() {
      const channel = form.querySelector('[name="channel"]').value;
      form.querySelectorAll("[data-channel]").forEach((el) => {
        el.hidden = el.dataset.channel !== channel;
      });
    }
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });
    form.addEventListener("change", function () { showChannelFields(); refresh(); });
  });
})();
