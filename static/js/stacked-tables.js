// On a phone, tables show as stacked rows (static/css/app.css): each cell needs its
// column's header as a label. This copies every header's text into data-label on the
// cells below it, for the page and for whatever htmx swaps in later.
(function () {
  "use strict";
  function headers(table) {
    var row = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    var labels = [];
    if (!row) return labels;
    Array.prototype.forEach.call(row.cells, function (cell) {
      var span = cell.colSpan || 1;
      for (var i = 0; i < span; i++) labels.push(cell.textContent.trim());
    });
    return labels;
  }
  function label(table) {
    var labels = headers(table);
    if (!labels.length) return;
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (!cell.hasAttribute("data-label") && labels[column]) {
            cell.setAttribute("data-label", labels[column]);
          }
          column += cell.colSpan || 1;
        });
      });
    });
  }
  function labelAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.tagName === "TABLE") label(scope);
    Array.prototype.forEach.call(scope.querySelectorAll("table"), label);
    if (scope.closest) {
      var table = scope.closest("table");
      if (table) label(table);
    }
  }
  document.addEventListener("DOMContentLoaded", function () { labelAll(document); });
  document.addEventListener("htmx:load", function (event) { labelAll(event.target); });
  if (document.readyState !== "loading") labelAll(document);
})();
