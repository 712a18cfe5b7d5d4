// The list builder's rows (static file: the CSP allows no inline script). Each row offers
// only the operators of its property's kind, and a value field that suits it: choices by
// their labels (several may be picked), yes / no, a date, a number of days. The property
// catalogue comes from the page (#builder-properties, JSON). Without this script the
// server still checks every row and takes a choice's label typed in the text field.
(function () {
  "use strict";
  var NO_VALUE = { IS_KNOWN: true, IS_UNKNOWN: true };

  function catalogue() {
    var node = document.getElementById("builder-properties");
    return node ? JSON.parse(node.textContent) : {};
  }

  function typedValues(control) {
    if (control.multiple) {
      return Array.prototype.map.call(control.selectedOptions, function (o) { return o.value; });
    }
    return control.value.split(",").map(function (v) { return v.trim(); }).filter(Boolean);
  }

  function makeControl(old, tag, attrs) {
    var control = document.createElement(tag);
    control.id = old.id;
    control.name = old.name;
    control.disabled = old.disabled;
    control.setAttribute("data-role", "value");
    Object.keys(attrs).forEach(function (k) { control.setAttribute(k, attrs[k]); });
    return control;
  }

  function option(value, label, selected) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    o.selected = selected;
    return o;
  }

  function valueControl(old, prop, operator) {
    var typed = typedValues(old);
    var wanted = typed.map(function (v) { return v.toLowerCase(); });
    var control;
    if (!prop || !operator) {
      control = makeControl(old, "input", { type: "text" });
      control.value = typed.join(", ");
    } else if (prop.kind === "enumeration" && prop.options.length) {
      control = makeControl(old, "select", { multiple: "", size: String(Math.min(5, prop.options.length)) });
      prop.options.forEach(function (pair) {
        var hit = wanted.indexOf(pair[0].toLowerCase()) >= 0 || wanted.indexOf(pair[1].toLowerCase()) >= 0;
        control.appendChild(option(pair[0], pair[1], hit));
      });
    } else if (prop.kind === "bool") {
      control = makeControl(old, "select", {});
      control.appendChild(option("true", "Yes", wanted[0] !== "false"));
      control.appendChild(option("false", "No", wanted[0] === "false"));
    } else if (prop.kind === "date" && operator === "IN_LAST_DAYS") {
      control = makeControl(old, "input", { type: "number", min: "1", step: "1", inputmode: "numeric" });
      control.value = /^[0-9]+$/.test(typed[0] || "") ? typed[0] : "";
    } else if (prop.kind === "date") {
      control = makeControl(old, "input", { type: "date" });
      control.value = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(typed[0] || "") ? typed[0] : "";
    } else if (prop.kind === "number") {
      control = makeControl(old, "input", { type: "text", inputmode: "decimal" });
      control.value = typed.join(", ");
    } else {
      control = makeControl(old, "input", { type: "text" });
      control.value = typed.join(", ");
    }
    var label = old.closest("label");
    label.hidden = Boolean(NO_VALUE[operator]);
    control.disabled = old.disabled || Boolean(NO_VALUE[operator]);
    old.replaceWith(control);
  }

  function offerOperators(select, kind) {
    var current = select.value;
    var stillOffered = false;
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      var offered = group.getAttribute("data-kind") === kind;
      group.hidden = !offered;
      group.disabled = !offered;
      if (offered && group.querySelector('option[value="' + current + '"]')) stillOffered = true;
    });
    if (!stillOffered) {
      var first = kind && select.querySelector('optgroup[data-kind="' + kind + '"] option');
      select.value = first ? first.value : "";
    } else {
      // the same operator value may sit in several groups: select the offered one
      select.querySelector('optgroup[data-kind="' + kind + '"] option[value="' + current + '"]').selected = true;
    }
  }

  function setUpRow(row, properties) {
    var property = row.querySelector('[data-role="property"]');
    var operator = row.querySelector('[data-role="operator"]');
    function refresh(propertyChanged) {
      var prop = properties[property.value];
      if (propertyChanged || !prop) offerOperators(operator, prop ? prop.kind : "");
      valueControl(row.querySelector('[data-role="value"]'), prop, operator.value);
    }
    offerOperators(operator, properties[property.value] ? properties[property.value].kind : "");
    refresh(false);
    property.addEventListener("change", function () { refresh(true); });
    operator.addEventListener("change", function () { refresh(false); });
  }

  function setUp() {
    var rows = document.querySelectorAll("[data-builder-row]");
    if (!rows.length) return;
    var properties = catalogue();
    Array.prototype.forEach.call(rows, function (row) { setUpRow(row, properties); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
