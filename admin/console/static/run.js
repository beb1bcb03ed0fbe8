// A running rule: its status, progress and log follow the server until it finishes. The
// page gives the status URL in the data-status attribute of this script.
(function () {
  "use strict";
  const url = document.currentScript.dataset.status;
  function tick() {
    fetch(url, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        document.getElementById("run-status").textContent = s.status_label;
        document.getElementById("run-status").dataset.status = s.status;
        document.getElementById("run-progress").value = s.progress;
        document.getElementById("run-percent").textContent = s.progress + " %";
        document.getElementById("run-log").textContent = s.log;
        if (s.status === "running") { setTimeout(tick, 1000); return; }
        window.location.reload();  // the finished page: counts, error, campaign link
      })
      .catch(function () { setTimeout(tick, 2000); });
  }
  setTimeout(tick, 1000);
})();
