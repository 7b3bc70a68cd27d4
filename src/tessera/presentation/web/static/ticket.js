/* Tessera console, ticket page: small hooks htmx attributes cannot say without inline script
   (the pages' CSP allows none): never let a refresh that left before a change put the older
   version back, clear the file picker once its file is uploaded, and let "Keep theirs" put
   away the stale-edit panel. */
(function () {
  "use strict";
  var VERSION = /data-version="(\d+)"/;

  // A part of the page that carries the ticket's version (the sidebar: its changes are made
  // against it) is only ever replaced by the same or a newer version. A live refresh may be
  // answered after the agent's own change was: without this, its older sidebar would make
  // the agent's next change a stale edit.
  function older(target, html) {
    var shown = target && target.getAttribute && target.getAttribute("data-version");
    var incoming = VERSION.exec(html || "");
    return shown !== null && shown !== undefined && incoming !== null &&
      Number(incoming[1]) < Number(shown);
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (older(event.detail.target, event.detail.serverResponse)) { event.detail.shouldSwap = false; }
  });

  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var fragment = event.detail.fragment;
    var html = fragment && fragment.outerHTML !== undefined ? fragment.outerHTML : "";
    if (!html && fragment && fragment.firstElementChild) { html = fragment.firstElementChild.outerHTML; }
    if (older(event.detail.target, html)) { event.detail.shouldSwap = false; }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target;
    if (form && form.id === "attach" && typeof form.reset === "function") { form.reset(); }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-dismiss]");
    if (!button) { return; }
    var panel = document.getElementById(button.getAttribute("data-dismiss"));
    if (panel) {
      panel.innerHTML = "";
      var status = document.getElementById("field-status");
      if (status) { status.focus(); }
    }
  });
})();
