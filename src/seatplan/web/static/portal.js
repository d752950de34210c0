// Seatplan portal: the only script of its own. Parts of pages that change while
// processing runs update themselves with htmx (hx-get … hx-trigger="every 1s"); this
// script only keeps the address bar honest.
(function () {
  "use strict";
  var main = document.getElementById("main");
  var url = new URL(window.location.href);
  // A page answered to a form (an error shown again) names its own address: a reload
  // shows that page, not the form's POST address.
  var canonical = main && main.dataset.pageUrl;
  if (canonical) {
    window.history.replaceState(null, "", canonical);
    return;
  }
  // A notice of a change (?done=…) is shown once: a reload does not show it again.
  if (url.searchParams.has("done")) {
    url.searchParams.delete("done");
    window.history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
})();
