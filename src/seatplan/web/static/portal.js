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

// The people picker (a group's Add member): the Down arrow moves from the search box to
// its results' Add buttons, Up and Down move between them, Escape goes back to the box.
(function () {
  "use strict";
  var box = document.getElementById("member-search");
  if (!box) return;
  function picks() {
    return Array.prototype.slice.call(document.querySelectorAll("#member-results button.pick"));
  }
  box.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown") return;
    var all = picks();
    if (all.length) { event.preventDefault(); all[0].focus(); }
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target.classList || !target.classList.contains("pick")) return;
    var all = picks(), at = all.indexOf(target);
    if (event.key === "ArrowDown" && at < all.length - 1) { event.preventDefault(); all[at + 1].focus(); }
    else if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? all[at - 1] : box).focus(); }
    else if (event.key === "Escape") { event.preventDefault(); box.focus(); }
  });
})();

// The plans page: a search box that hides the plans it does not match, and buttons that
// enable or disable every plan shown.
(function () {
  "use strict";
  var tools = document.getElementById("plan-tools");
  if (!tools) return;
  tools.hidden = false;
  var filter = document.getElementById("plan-filter");
  var count = document.getElementById("plan-filter-count");
  var items = Array.prototype.slice.call(document.querySelectorAll("#plan-list > li"));
  function shown() { return items.filter(function (li) { return !li.hidden; }); }
  filter.addEventListener("input", function () {
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    items.forEach(function (li) {
      var text = li.dataset.search;
      li.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
    });
    count.textContent = words.length ? shown().length + " of " + items.length + " plans shown" : "";
  });
  function setAll(on) {
    shown().forEach(function (li) { li.querySelector("input[name=plan]").checked = on; });
  }
  document.getElementById("plans-all").addEventListener("click", function () { setAll(true); });
  document.getElementById("plans-none").addEventListener("click", function () { setAll(false); });
})();
