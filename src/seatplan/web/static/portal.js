// Seatplan portal: the only script. A group's page follows its processing state and
// reloads when processing is done, so that its notice of errors is up to date.
(function () {
  "use strict";
  var box = document.getElementById("processing");
  if (!box || box.dataset.state === "ProcessingComplete") return;
  var url = box.dataset.stateUrl;
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) { setTimeout(poll, 3000); return; }
        if (body.state === "ProcessingComplete") { window.location.reload(); return; }
        box.querySelector("b").textContent = body.state;
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
