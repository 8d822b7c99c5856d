// Small improvements to the search page; the page works without them (a plain GET form,
// everything rendered by the server). Loaded as a file, never inline, so the page keeps
// working under Content-Security-Policy: default-src 'self'.
"use strict";
(function () {
  var form = document.querySelector("form.search");
  var box = document.getElementById("q");
  if (!form || !box) return;

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  // "/" focuses the search box (as on many sites), unless the user is typing somewhere.
  document.addEventListener("keydown", function (e) {
    if (e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey && !typing(document.activeElement)) {
      e.preventDefault();
      box.focus();
      box.select();
    }
  });

  // Escape in the box clears it.
  box.addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      box.value = "";
    }
  });

  // Empty fields are left out of the URL (the server treats a missing field as empty).
  form.addEventListener("submit", function () {
    var fields = form.querySelectorAll("select[name], input[name]");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].name !== "q" && fields[i].value === "") fields[i].disabled = true;
    }
  });

  // Coming back (the browser's page cache) must not leave those fields disabled.
  window.addEventListener("pageshow", function () {
    var fields = form.querySelectorAll("[disabled]");
    for (var i = 0; i < fields.length; i++) fields[i].disabled = false;
  });

  // A changed sort, date or language searches again at once (page 1), when there is a query.
  var filters = form.querySelectorAll(".filters select, .filters input");
  for (var i = 0; i < filters.length; i++) {
    filters[i].addEventListener("change", function () {
      if (box.value.trim() !== "") {
        if (typeof form.requestSubmit === "function") form.requestSubmit();
        else form.submit();
      }
    });
  }
})();
