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

// The header's Menu button (narrow screens, see portal.css): opens and closes the
// sections; Escape closes them and gives the focus back to the button.
(function () {
  "use strict";
  var toggle = document.querySelector(".menu-toggle");
  if (!toggle) return;
  toggle.hidden = false;
  function show(open) { toggle.setAttribute("aria-expanded", open ? "true" : "false"); }
  toggle.addEventListener("click", function () {
    show(toggle.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
      show(false);
      toggle.focus();
    }
  });
})();

// Tables: on a narrow screen each row is a card (portal.css), each cell under its
// column's name, copied here from the header row into data-label; the cells keep explicit
// table roles, which some browsers drop when a table is not displayed as one. A table
// that scrolls sideways (a wide one on a wider screen) can be scrolled from the keyboard
// and says that it scrolls.
(function () {
  "use strict";
  // A column's name as read: no decoration (a sort arrow), none if it is for screen readers only.
  function heading(th) {
    if (th.dataset.label !== undefined) return th.dataset.label;
    var copy = th.cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll("[aria-hidden=true]"), function (e) {
      e.remove();
    });
    var text = copy.textContent.trim();
    var hidden = copy.querySelector(".sr-only");
    return hidden && hidden.textContent.trim() === text ? "" : text;
  }
  function label(table) {
    var names = Array.prototype.map.call(table.querySelectorAll("thead th"), heading);
    table.setAttribute("role", "table");
    Array.prototype.forEach.call(table.querySelectorAll("thead, tbody"), function (group) {
      group.setAttribute("role", "rowgroup");
    });
    Array.prototype.forEach.call(table.rows, function (row) {
      var column = 0;
      row.setAttribute("role", "row");
      Array.prototype.forEach.call(row.cells, function (cell) {
        if (cell.tagName === "TH") {
          cell.setAttribute("role", cell.scope === "row" ? "rowheader" : "columnheader");
        } else {
          cell.setAttribute("role", "cell");
          if (!cell.hasAttribute("data-label") && row.parentNode.tagName === "TBODY") {
            cell.setAttribute("data-label", cell.colSpan > 1 ? "" : names[column] || "");
          }
        }
        column += cell.colSpan;
      });
    });
  }
  function scrolling(wrap) {
    var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
    var hint = wrap.previousElementSibling;
    var hinted = hint && hint.classList.contains("scroll-hint");
    if (scrolls) {
      var table = wrap.querySelector("table");
      var caption = table && table.caption;
      wrap.tabIndex = 0;
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", (caption ? caption.textContent.trim() + ": " : "") + "table, scrolls sideways");
      if (!hinted) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.textContent = "Scroll the table sideways to see every column \u2192";
        wrap.parentNode.insertBefore(hint, wrap);
      }
    } else {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
      if (hinted) hint.remove();
    }
  }
  function prepare(root) {
    var inside = root.closest ? root.closest("main table") : null;
    if (inside) label(inside);
    Array.prototype.forEach.call(root.querySelectorAll("main table"), label);
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), scrolling);
  }
  prepare(document);
  // htmx puts new rows in place: label them too.
  document.addEventListener("htmx:load", function (event) { prepare(event.detail.elt); });
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { prepare(document); }, 150);
  });
})();

// Bulk actions: a list's "select all" box ticks every row of the page that belongs to
// its form (`data-form`), and shows itself mixed when only some are ticked.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("input.select-all"), function (all) {
    var form = all.dataset.form;
    function rows() {
      return Array.prototype.slice.call(
        document.querySelectorAll('input[type=checkbox][form="' + form + '"]'));
    }
    function sync() {
      var ticked = rows().filter(function (box) { return box.checked; }).length;
      all.checked = ticked > 0 && ticked === rows().length;
      all.indeterminate = ticked > 0 && ticked < rows().length;
    }
    all.hidden = false;
    all.addEventListener("change", function () {
      rows().forEach(function (box) { box.checked = all.checked; });
    });
    rows().forEach(function (box) { box.addEventListener("change", sync); });
    sync();
  });
})();
