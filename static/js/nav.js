// The navigation's menu button on narrow screens (static file: the CSP allows no inline
// script). Without this script the links simply stay visible; with it, a phone shows
// "Menu", which opens and closes them (aria-expanded says which).
(function () {
  "use strict";
  function setUp() {
    var header = document.querySelector(".app-header");
    var button = header && header.querySelector(".nav-toggle");
    if (!button) return;
    header.classList.add("has-menu");
    button.hidden = false;
    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("nav-open", open);
    }
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("nav-open")) {
        setOpen(false);
        button.focus();
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
