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

  document.addEventListener("htmx:afterSwap", function () {
    var all = rows();
    if (current >= 0 && all.length) {
      current = Math.min(current, all.length - 1);
      all[current].classList.add("current");
    }
  });
})();
