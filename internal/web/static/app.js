// Kefu's own script: keyboard shortcuts, standard phrases at the cursor, and row clicks.
// Everything works without it; it only saves keystrokes.
(function () {
  "use strict";

  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  function rows() { return Array.prototype.slice.call(document.querySelectorAll(".ticket-row")); }

  function select(i) {
    var list = rows();
    if (!list.length) return;
    i = Math.max(0, Math.min(list.length - 1, i));
    list.forEach(function (r, j) { r.classList.toggle("selected", j === i); });
    var link = list[i].querySelector("a");
    if (link) link.focus();
  }

  function current() {
    var list = rows();
    for (var i = 0; i < list.length; i++) if (list[i].classList.contains("selected")) return i;
    return -1;
  }

  function focus(sel) {
    var el = document.querySelector(sel);
    if (el) { el.focus(); if (el.scrollIntoView) el.scrollIntoView({ block: "center" }); }
    return !!el;
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
    switch (e.key) {
      case "j": select(current() + 1); break;
      case "k": select(current() - 1); break;
      case "/": if (!focus("[data-search]")) focus("#q"); break;
      case "r": var r = document.getElementById("kind-reply"); if (r) r.checked = true; focus("#body"); break;
      case "n": var n = document.getElementById("kind-note"); if (n) n.checked = true; focus("#body"); break;
      case "a": focus("#assignee"); break;
      case "?": var h = document.getElementById("keys-help"); if (h) h.hidden = !h.hidden; break;
      default: return;
    }
    e.preventDefault();
  });

  // A standard phrase goes in at the cursor with its variables filled in.
  document.addEventListener("change", function (e) {
    var sel = e.target;
    if (!sel.matches || !sel.matches("[data-phrases]")) return;
    var opt = sel.options[sel.selectedIndex];
    var body = document.getElementById("body");
    if (!opt || !opt.value || !body) return;
    var text = opt.getAttribute("data-body")
      .split("{customer}").join(body.getAttribute("data-customer") || "")
      .split("{agent}").join(body.getAttribute("data-agent") || "")
      .split("{ticket}").join(body.getAttribute("data-ticket") || "");
    var start = body.selectionStart, end = body.selectionEnd;
    if (typeof start !== "number") { start = end = body.value.length; }
    body.value = body.value.slice(0, start) + text + body.value.slice(end);
    body.focus();
    body.selectionStart = body.selectionEnd = start + text.length;
    sel.selectedIndex = 0;
  });

  // Live updates: when someone else changes the ticket on screen, say so and offer a reload;
  // never redraw under the agent's hands. The stream closes when htmx swaps the page.
  var stream = null;
  function watch() {
    if (stream) { stream.close(); stream = null; }
    var box = document.getElementById("live");
    if (!box || !window.EventSource) return;
    stream = new EventSource(box.getAttribute("data-live"));
    stream.addEventListener("change", function (ev) {
      var e = JSON.parse(ev.data);
      if (String(e.actor_id) === box.getAttribute("data-me")) return;
      box.querySelector("span").textContent = box.getAttribute("data-text").split("{who}").join(e.actor || box.getAttribute("data-someone"));
      box.hidden = false;
    });
    // Who else is on the ticket: chat.js keeps the list.
    stream.addEventListener("presence", function (ev) { document.dispatchEvent(new CustomEvent("kefu:presence", { detail: JSON.parse(ev.data) })); });
  }
  document.addEventListener("DOMContentLoaded", watch);
  document.addEventListener("htmx:afterSettle", watch);

  // A click anywhere on an inbox row opens the ticket, except on its checkbox.
  document.addEventListener("click", function (e) {
    var row = e.target.closest && e.target.closest(".ticket-row");
    if (!row || e.target.closest("a, input, label, button")) return;
    var link = row.querySelector("a");
    if (link) link.click();
  });
})();
