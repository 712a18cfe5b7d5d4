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
    control.disabled = Boolean(NO_VALUE[operator]);
    old.replaceWith(control);
  }

  // the page lists every kind's operators in groups (what works without the script);
  // the script keeps the groups aside and offers only the chosen property's
  function operatorSets(select) {
    var sets = {};
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      sets[group.getAttribute("data-kind")] = Array.prototype.map.call(
        group.querySelectorAll("option"),
        function (o) { return { value: o.value, label: o.textContent, selected: o.selected }; }
      );
    });
    return sets;
  }

  function offerOperators(select, kind, sets, keep) {
    var current = keep || "";
    var choices = sets[kind] || [];
    var still = choices.some(function (c) { return c.value === current; });
    select.replaceChildren(option("", "—", false));
    choices.forEach(function (c, i) {
      select.appendChild(option(c.value, c.label, still ? c.value === current : i === 0));
    });
  }

  function setUpRow(row, properties) {
    var property = row.querySelector('[data-role="property"]');
    var operator = row.querySelector('[data-role="operator"]');
    var sets = operatorSets(operator);
    function kindOf() {
      return properties[property.value] ? properties[property.value].kind : "";
    }
    function refreshValue() {
      valueControl(row.querySelector('[data-role="value"]'), properties[property.value], operator.value);
    }
    var saved = (sets[kindOf()] || []).filter(function (c) { return c.selected; });
    offerOperators(operator, kindOf(), sets, saved.length ? saved[saved.length - 1].value : "");
    refreshValue();
    property.addEventListener("change", function () {
      offerOperators(operator, kindOf(), sets, operator.value);
      refreshValue();
    });
    operator.addEventListener("change", refreshValue);
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
