// Kefu's chat script: new chats announced on every page (toast, sound, notification), the
// waiting-chats count, who else is on a ticket (presence), and the chat page's live
// conversation. Hints come over Server-Sent Events; the database stays the truth, so a page
// that misses a hint catches up on the next one.
(function () {
  "use strict";

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; } catch (e) { return ""; }
  }

  function post(url, params, extra) {
    var headers = { "X-CSRF-Token": csrf(), "Content-Type": "application/x-www-form-urlencoded" };
    for (var k in extra || {}) headers[k] = extra[k];
    return fetch(url, { method: "POST", headers: headers, body: new URLSearchParams(params).toString(), credentials: "same-origin" });
  }

  function randomKey() {
    var a = new Uint8Array(12);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  // ---- Sound: a short beep made with WebAudio (no file). Browsers allow audio only after
  // the user has interacted with the page, so the context is made on the first gesture.
  var audio = null;
  function unlockAudio() {
    if (audio || !(window.AudioContext || window.webkitAudioContext)) return;
    try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { audio = null; }
  }
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.addEventListener("keydown", unlockAudio, { once: true });
  function beep() {
    if (!audio) return;
    try {
      if (audio.state === "suspended") audio.resume();
      var t = audio.currentTime, osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.setValueAtTime(880, t);
      osc.frequency.setValueAtTime(1320, t + 0.12);
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.25, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.3);
      osc.connect(gain).connect(audio.destination);
      osc.start(t);
      osc.stop(t + 0.32);
    } catch (e) { /* no sound is no failure */ }
  }

  function availability() {
    var s = document.getElementById("avail");
    return s ? s.value : "";
  }

  // ---- Toasts.
  function toast(n) {
    var box = document.querySelector(".toasts");
    if (!box) {
      box = document.createElement("div");
      box.className = "toasts";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    var el = document.createElement("div");
    el.className = "toast";
    el.setAttribute("data-number", n.number);
    var text = document.createElement("span");
    text.textContent = n.text;
    var link = document.createElement("a");
    link.href = n.url;
    link.textContent = n.open;
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "×";
    close.setAttribute("aria-label", n.dismiss || "×");
    close.addEventListener("click", function () { el.remove(); });
    el.appendChild(text);
    el.appendChild(link);
    el.appendChild(close);
    box.appendChild(el);
    if (window.htmx) htmx.process(el);
    setTimeout(function () { el.remove(); }, 15000);
  }

  function notify(n) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    try {
      var note = new Notification(n.title, { body: n.text, tag: "kefu-chat-" + n.number });
      note.onclick = function () { window.focus(); location.href = n.url; note.close(); };
    } catch (e) { /* some browsers only allow notifications from a service worker */ }
  }

  // Asking for notifications needs a gesture: going online is the natural moment.
  document.addEventListener("change", function (e) {
    if (e.target && e.target.id === "avail" && e.target.value === "online" &&
        "Notification" in window && Notification.permission === "default") {
      Notification.requestPermission();
    }
  });

  // ---- The waiting-chats count in the header.
  var waitingBusy = false, waitingAgain = false;
  function waitingDone() {
    waitingBusy = false;
    if (waitingAgain) { waitingAgain = false; refreshWaiting(); }
  }
  function refreshWaiting() {
    var slot = document.getElementById("waiting-slot");
    if (!slot) return;
    if (waitingBusy) { waitingAgain = true; return; } // once more when this one is back
    waitingBusy = true;
    fetch("/chats/waiting", { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      waitingDone();
      var now = document.getElementById("waiting-slot");
      if (html === null || !now) return;
      now.innerHTML = html;
      if (window.htmx) htmx.process(now);
      // The inbox's sidebar shows the same count for its "waiting chats" view.
      var count = now.querySelector("b"), side = document.querySelector('.views a[data-view="chats"] .count');
      if (count && side) side.textContent = count.textContent;
    }, waitingDone);
  }

  // The inbox list refreshes its rows, unless the agent is selecting some of them.
  function refreshList() {
    var list = document.getElementById("list");
    if (!list || location.pathname !== "/" || !window.htmx) return;
    if (list.querySelector("input[type=checkbox]:checked")) return;
    htmx.ajax("GET", location.pathname + location.search, { target: "#list", swap: "outerHTML" });
  }

  // ---- The inbox stream: one per tab, kept across htmx navigations (the body stays).
  var inbox = null;
  function watchInbox() {
    var url = document.body.getAttribute("data-inbox");
    if (inbox || !url || !window.EventSource) return;
    inbox = new EventSource(url);
    inbox.addEventListener("chat_new", function (ev) {
      var n = JSON.parse(ev.data);
      toast(n);
      if (availability() !== "offline") beep();
      notify(n);
      refreshWaiting();
      refreshList();
    });
    var refresh = function () { refreshWaiting(); refreshList(); };
    inbox.addEventListener("inbox", refresh);
    inbox.addEventListener("resync", refresh);
  }

  // ---- Presence: who else has this ticket open, and who is typing.
  var pres = null; // { el, url, me, chat, people, timer, typing, typingSent, idle, lastBeat }
  function presenceText(p) {
    var parts = [];
    var now = Date.now();
    for (var id in p.people) {
      var v = p.people[id];
      if (now - v.at > 40000) { delete p.people[id]; continue; }
      parts.push(p.el.getAttribute(v.state === "typing" ? "data-typing" : "data-viewing").split("{who}").join(v.name));
    }
    p.el.textContent = parts.join(" · ");
    p.el.hidden = parts.length === 0;
  }

  function beat(p, state, typing) {
    var params = { state: state };
    if (typing !== undefined) params.typing = typing;
    p.lastBeat = Date.now();
    return post(p.url, params).catch(function () {});
  }

  function onPresence(d) {
    if (!pres || !d || !d.data) return;
    var who = d.data;
    if (String(who.user) === pres.me) return;
    if (who.state === "left") {
      delete pres.people[who.user];
    } else {
      var known = !!pres.people[who.user];
      pres.people[who.user] = { name: who.name, state: who.state, at: Date.now() };
      // A newcomer hears of us at once rather than at our next heartbeat.
      if (!known && Date.now() - pres.lastBeat > 3000) beat(pres, pres.typing ? "typing" : "viewing");
    }
    presenceText(pres);
  }
  document.addEventListener("kefu:presence", function (e) { onPresence(e.detail); });

  function replying() {
    var r = document.getElementById("kind-reply");
    return !!r && r.checked;
  }

  function stopTyping(p) {
    clearTimeout(p.idle);
    if (!p.typing) return;
    p.typing = false;
    beat(p, "viewing", p.typingSent ? "0" : undefined);
    p.typingSent = false;
  }

  function onInput(e) {
    var p = pres;
    if (!p || !e.target || e.target.id !== "body") return;
    // The visitor sees "typing…" only for a reply, never for an internal note.
    var toVisitor = p.chat && replying();
    if (!p.typing || Date.now() - p.lastBeat > 3000) {
      p.typing = true;
      if (toVisitor) p.typingSent = true;
      beat(p, "typing", toVisitor ? "1" : undefined);
    }
    clearTimeout(p.idle);
    p.idle = setTimeout(function () { stopTyping(p); }, 4000);
  }
  document.addEventListener("input", onInput);

  function leave(p) {
    clearInterval(p.timer);
    clearInterval(p.expire);
    clearTimeout(p.idle);
    var body = new URLSearchParams({ state: "left", _csrf: csrf() });
    if (navigator.sendBeacon) navigator.sendBeacon(p.url, body);
  }

  function watchPresence() {
    var el = document.getElementById("presence");
    if (pres && pres.el === el) return;
    if (pres) { leave(pres); pres = null; }
    if (!el) return;
    pres = { el: el, url: el.getAttribute("data-presence"), me: el.getAttribute("data-me"), chat: el.getAttribute("data-chat") === "1",
      people: {}, typing: false, typingSent: false, lastBeat: 0 };
    var p = pres;
    beat(p, "viewing");
    p.timer = setInterval(function () { beat(p, p.typing ? "typing" : "viewing"); }, 15000);
    p.expire = setInterval(function () { presenceText(p); }, 5000);
  }
  window.addEventListener("pagehide", function () { if (pres) leave(pres); });

  // ---- The chat page: the conversation grows as messages arrive, never reloads.
  var chat = null; // { el, stream, m, e, busy, again, typingTimer }
  function scrollDown(log, force) {
    if (force || log.scrollHeight - log.scrollTop - log.clientHeight < 120) log.scrollTop = log.scrollHeight;
  }

  function applyUpdate(c, html, force) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    var root = tpl.content.firstElementChild;
    if (!root) return;
    var head = root.querySelector("#chat-head"), old = document.getElementById("chat-head");
    // A response rendered before a change this page already shows (it crossed a newer one)
    // must not bring back the old head: the status, the buttons.
    var stale = (+root.getAttribute("data-e") || 0) < c.e;
    if (head && old && !stale && !old.contains(document.activeElement)) {
      old.replaceWith(head);
      if (window.htmx) htmx.process(head);
    }
    var log = document.getElementById("chat-log");
    var added = false, fromVisitor = false;
    Array.prototype.forEach.call(root.querySelectorAll("[data-rows] > li"), function (li) {
      if (!li.id || document.getElementById(li.id)) return;
      log.appendChild(li);
      added = true;
      if (li.classList.contains("by-customer")) fromVisitor = true;
    });
    if (window.htmx && added) htmx.process(log);
    c.m = Math.max(c.m, +root.getAttribute("data-m") || 0);
    c.e = Math.max(c.e, +root.getAttribute("data-e") || 0);
    c.el.setAttribute("data-m", c.m);
    c.el.setAttribute("data-e", c.e);
    if (fromVisitor) showVisitorTyping(c, false);
    if (added) scrollDown(log, force);
  }

  function update(c) {
    if (c.busy) { c.again = true; return; }
    c.busy = true;
    fetch(c.el.getAttribute("data-update") + "?m=" + c.m + "&e=" + c.e, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      c.busy = false;
      // The page may have been rendered anew meanwhile (ending the chat does): the answer
      // belongs to the old one.
      if (html !== null && chat === c && c.el.isConnected) applyUpdate(c, html, false);
      if (c.again) { c.again = false; update(c); }
    }, function () { c.busy = false; });
  }

  function showVisitorTyping(c, on) {
    var el = document.getElementById("chat-typing");
    if (!el) return;
    clearTimeout(c.typingTimer);
    el.hidden = !on;
    // A visitor who stops without saying so (a closed tab) stops "typing" after a while.
    if (on) c.typingTimer = setTimeout(function () { el.hidden = true; }, 8000);
  }

  function send(c, form) {
    var box = form.querySelector("#body"), err = document.getElementById("chat-error"), btn = document.getElementById("chat-send");
    if (c.sending || !box.value.trim()) return;
    c.sending = true;
    if (btn) btn.disabled = true;
    var params = new URLSearchParams(new FormData(form));
    params.set("m", c.m);
    params.set("e", c.e);
    post(form.getAttribute("action"), params, { "X-Kefu-Chat": "1" }).then(function (r) {
      return r.text().then(function (t) { return { ok: r.ok, text: t }; });
    }).then(function (res) {
      c.sending = false;
      if (btn) btn.disabled = false;
      if (!res.ok) {
        err.textContent = res.text.length < 500 ? res.text : (err.getAttribute("data-generic") || res.text.slice(0, 200));
        err.hidden = false;
        return;
      }
      err.hidden = true;
      box.value = "";
      form.querySelector("[name=idem]").value = randomKey();
      if (pres) stopTyping(pres);
      if (c.el.isConnected) applyUpdate(c, res.text, true);
      box.focus();
    }, function () {
      c.sending = false;
      if (btn) btn.disabled = false;
    });
  }

  function watchChat() {
    var el = document.getElementById("chat");
    if (chat && chat.el === el) return;
    if (chat) { chat.stream.close(); clearTimeout(chat.typingTimer); chat = null; }
    if (!el || !window.EventSource) return;
    var c = { el: el, m: +el.getAttribute("data-m") || 0, e: +el.getAttribute("data-e") || 0 };
    chat = c;
    c.stream = new EventSource(el.getAttribute("data-live"));
    c.stream.addEventListener("change", function () { update(c); });
    c.stream.addEventListener("typing", function (ev) {
      var d = JSON.parse(ev.data);
      if (d.data && d.data.from === "visitor") showVisitorTyping(c, !!d.data.on);
    });
    c.stream.addEventListener("presence", function (ev) { onPresence(JSON.parse(ev.data)); });
    var log = document.getElementById("chat-log");
    if (log) scrollDown(log, true);
    var form = document.getElementById("chat-composer");
    if (!form) return;
    form.addEventListener("submit", function (e) { e.preventDefault(); send(c, form); });
    form.querySelector("#body").addEventListener("keydown", function (e) {
      // Enter sends, Shift+Enter is a new line; Enter that ends an IME composition is neither.
      if (e.key !== "Enter" || e.shiftKey || e.ctrlKey || e.altKey || e.metaKey || e.isComposing || e.keyCode === 229) return;
      e.preventDefault();
      send(c, form);
    });
  }

  function init() {
    watchInbox();
    refreshWaiting();
    watchChat();
    watchPresence();
  }
  document.addEventListener("DOMContentLoaded", init);
  // htmx swaps the body on navigation: pick up the new page (a swap inside the same page
  // keeps the streams, which are tied to their elements).
  document.addEventListener("htmx:afterSettle", function (e) {
    if (e.target === document.body || (e.detail && e.detail.boosted)) refreshWaiting();
    watchChat();
    watchPresence();
  });
})();
