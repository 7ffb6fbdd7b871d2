// The desk's only script (no third-party request: telegram-web-app.js is not loaded).
// 1. Sign-in: Telegram opens a Mini App with its signed init data in the URL fragment
//    (#tgWebAppData=...), which is what telegram-web-app.js reads too; a login link
//    from the bot carries #login=<token>. Both are posted to the desk, never sent in a URL.
// 2. Theme: tgWebAppThemeParams (JSON) become CSS variables, kept for the next pages.
// 3. Search in the caseload and the contacts, in the browser, so a name never reaches a
//    URL or a log.
"use strict";

(function () {
  var fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  var root = document.documentElement;

  function applyTheme(json) {
    var params;
    try { params = JSON.parse(json); } catch (e) { return; }
    if (!params || typeof params !== "object") { return; }
    Object.keys(params).forEach(function (key) {
      var value = String(params[key]);
      if (/^[a-z_]+$/.test(key) && /^#[0-9a-fA-F]{3,8}$/.test(value)) {
        root.style.setProperty("--tg-theme-" + key.replace(/_/g, "-"), value);
      }
    });
    root.classList.add("tg");
  }

  var theme = fragment.get("tgWebAppThemeParams");
  if (theme) {
    try { sessionStorage.setItem("desk-theme", theme); } catch (e) { /* private mode */ }
  } else {
    try { theme = sessionStorage.getItem("desk-theme"); } catch (e) { theme = null; }
  }
  if (theme) { applyTheme(theme); }

  function show(id) {
    var node = document.getElementById(id);
    if (node) { node.hidden = false; }
  }

  function exchange(url, body) {
    history.replaceState(null, "", window.location.pathname);
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (answer) {
      window.location.replace(answer.next || "/caseload");
    }).catch(function () {
      document.getElementById("signin-wait").hidden = true;
      show("signin-refused");
    });
  }

  function signIn() {
    if (!document.getElementById("signin")) { return; }
    var initData = fragment.get("tgWebAppData");
    var login = fragment.get("login");
    if (initData) { exchange("/auth/telegram", { init_data: initData }); return; }
    if (login) { exchange("/auth/link", { token: login }); return; }
    // Already signed in (the cookie is HttpOnly: ask the server by opening the caseload).
    fetch("/caseload", { credentials: "same-origin", method: "HEAD" }).then(function (r) {
      if (r.ok) { window.location.replace("/caseload"); return; }
      document.getElementById("signin-wait").hidden = true;
      show("signin-help");
    });
  }

  function search() {
    var input = document.getElementById("search");
    if (!input) { return; }
    var fold = function (text) {
      return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    };
    input.addEventListener("input", function () {
      var wanted = fold(input.value.trim());
      var shown = 0;
      document.querySelectorAll("tr.person").forEach(function (row) {
        var match = !wanted || fold(row.getAttribute("data-name") || "").indexOf(wanted) !== -1;
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      var none = document.getElementById("no-match");
      if (none) { none.hidden = shown !== 0; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    signIn();
    search();
  });
})();
