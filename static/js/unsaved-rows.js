// Marks the rows of a one-Save form whose controls differ from what is saved, and
// counts them beside the Save button. The form works without it: the server saves
// every changed row either way. Rows are <tr data-unsaved-row>; their controls belong
// to the form through form="<id>" and carry the stored value in data-saved ("on"/"off"
// for a switch), so a page shown again after a refused save compares with what is
// stored, not with what was posted; the count goes in [data-unsaved-count].
(function () {
  "use strict";

  function changed(control) {
    var saved = control.getAttribute("data-saved");
    if (control.type === "checkbox") {
      return control.checked !== (saved === "on");
    }
    return control.value !== saved;
  }

  function refresh(form) {
    var rows = document.querySelectorAll("[data-unsaved-row]");
    var unsaved = 0;
    rows.forEach(function (row) {
      var controls = Array.prototype.filter.call(
        row.querySelectorAll("input, select, textarea"),
        function (control) { return control.form === form && control.hasAttribute("data-saved"); }
      );
      var dirty = controls.some(changed);
      row.classList.toggle("unsaved", dirty);
      var mark = row.querySelector("[data-unsaved-mark]");
      if (mark) { mark.hidden = !dirty; }
      if (dirty) { unsaved += 1; }
    });
    var count = form.querySelector("[data-unsaved-count]");
    if (count) {
      count.textContent = unsaved ? unsaved + " unsaved change" + (unsaved === 1 ? "" : "s") : "";
    }
  }

  function start() {
    document.querySelectorAll("form[data-unsaved-form]").forEach(function (form) {
      document.addEventListener("change", function (event) {
        if (event.target.form === form) { refresh(form); }
      });
      document.addEventListener("input", function (event) {
        if (event.target.form === form) { refresh(form); }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
