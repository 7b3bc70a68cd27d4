/* Tessera console: keyboard shortcuts (listed in the page's "Keyboard shortcuts" dialog).
   "/" search (Escape leaves it), "j"/"k" next/previous ticket, Enter open it, "x" select it,
   "?" this help. */
(function () {
  "use strict";
  var current = -1;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("table.tickets tbody tr[data-ticket]"));
  }

  function mark(index) {
    var all = rows();
    if (all.length === 0) { current = -1; return; }
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) { row.classList.toggle("current", i === current); });
    var link = all[current].querySelector("a.ticket-link");
    if (link) { link.focus(); }
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var help = document.getElementById("shortcuts");
    if (event.key === "Escape" && help && help.open) { help.close(); return; }
    if (typing(event.target)) {
      if (event.key === "Escape" && event.target.id === "q") { event.target.blur(); }
      return;
    }
    if (event.key === "/") {
      var search = document.getElementById("q");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    } else if (event.key === "j") {
      event.preventDefault(); mark(current + 1);
    } else if (event.key === "k") {
      event.preventDefault(); mark(current < 0 ? 0 : current - 1);
    } else if (event.key === "x") {
      var row = rows()[current];
      var box = row && row.querySelector("input[type=checkbox]");
      if (box) { event.preventDefault(); box.checked = !box.checked; }
    } else if (event.key === "?") {
      if (help && typeof help.showModal === "function") { event.preventDefault(); help.showModal(); }
    }
  });

  document.addEventListener("focusin", function (event) {
    var row = event.target.closest && event.target.closest("table.tickets tbody tr[data-ticket]");
    if (row) {
      var index = rows().indexOf(row);
      rows().forEach(function (r, i) { r.classList.toggle("current", i === index); });
      current = index;
    }
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-open-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
      if (dialog && typeof dialog.showModal === "function") { dialog.showModal(); }
    }
    var closer = event.target.closest && event.target.closest("[data-close-dialog]");
    if (closer) {
      var parent = closer.closest("dialog");
      if (parent) { parent.close(); }
    }
  });

  /* A live reload (the server said tickets changed) waits while tickets are selected for a
     bulk change, so a selection is never lost under the person's hands. */
  var deferred = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.id === "ticket-list-inner" && document.querySelector("#bulk input[name=ids]:checked")) {
      event.preventDefault();
      deferred = elt;
    }
  });
  document.addEventListener("change", function () {
    if (deferred && !document.querySelector("#bulk input[name=ids]:checked")) {
      var elt = deferred; deferred = null;
      htmx.trigger(elt, "sse:tickets");
    }
  });

  /* Keep the keyboard's place across a reload of the list. */
  var focused = null;
  document.addEventListener("htmx:beforeSwap", function () {
    var row = document.activeElement && document.activeElement.closest && document.activeElement.closest("tr[data-ticket]");
    focused = row ? row.getAttribute("data-ticket") : null;
  });
  document.addEventListener("htmx:afterSwap", function () {
    var all = rows();
    if (focused) {
      var index = all.findIndex(function (row) { return row.getAttribute("data-ticket") === focused; });
      if (index >= 0) { mark(index); return; }
    }
    if (current >= 0 && all.length) {
      current = Math.min(current, all.length - 1);
      all[current].classList.add("current");
    }
  });
})();
