// Times in the viewer's time zone (static file: the CSP allows no inline script). The
// page says which zone the server stored for this user (body[data-time-zone]); when the
// browser's own zone (Intl) differs, it is posted once and pages show it from the next
// one on. Nothing is posted when they agree, nor from the login page.
(function () {
  "use strict";
  function setUp() {
    var body = document.body;
    var url = body.getAttribute("data-time-zone-url");
    if (!url || !window.fetch || !window.Intl) return;
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone || zone === body.getAttribute("data-time-zone")) return;
    var headers = {};
    try {
      headers = JSON.parse(body.getAttribute("hx-headers") || "{}");
    } catch (e) {
      return;
    }
    var form = new FormData();
    form.append("zone", zone);
    fetch(url, { method: "POST", body: form, headers: headers, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) return;
        body.setAttribute("data-time-zone", zone);
        var note = document.querySelector("[data-time-zone-note]");
        if (note) note.textContent = "Your time zone, " + zone + ", applies from the next page.";
      })
      .catch(function () {});
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
