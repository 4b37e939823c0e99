/* Kefu 客服 chat widget. Test hooks: the open shadow root of [data-kefu-widget] marks its parts with data-kefu="…".
 *  Embed: <script src="https://HOST/widget.js" data-kefu-team="售前" async></script>
 * Our own small script, no framework. Protocol: docs/chat.md. Every message carries a client id (cid);
 * unacknowledged messages are kept in localStorage and sent again after a reconnect, and the server
 * stores a cid once, so nothing is lost and nothing is doubled. */
(function () {
  'use strict';
  if (window.__kefuWidget) return;
  window.__kefuWidget = true;

  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script) return;
  var base = new URL(script.src, location.href).origin;
  var team = script.getAttribute('data-kefu-team') || '';
  var lang = /^en/i.test(document.documentElement.lang || '') ? 'en' : 'zh-CN';

  var T = {
    'zh-CN': {
      open: '在线咨询', close: '收起', title: '在线客服', online: '客服在线', offline: '客服不在线，请留言',
      offlineNote: '现在没有客服在线。请留下您的问题和联系方式，我们会尽快回复您。',
      name: '您的称呼', email: '邮箱', phone: '手机号', topic: '咨询类型', message: '您的问题',
      start: '开始咨询', leave: '提交留言', send: '发送', file: '发送文件', placeholder: '输入消息，回车发送',
      typing: '客服正在输入…', sending: '发送中…', failed: '发送失败', uploading: '正在上传…',
      waiting: '正在为您接入客服，请稍候…', agent: '客服 {name} 为您服务', end: '结束对话', ended: '对话已结束',
      rate: '请为本次服务评分', comment: '补充意见（可选）', submitRate: '提交评价', thanks: '感谢您的评价！',
      again: '发起新的咨询', reconnecting: '连接中断，正在重新连接…', you: '我', system: '系统',
      star: '{n} 星', required: '请填写称呼，以及邮箱或手机号', topics: ['售前咨询', '售后服务', '订单物流', '投诉建议', '其他']
    },
    en: {
      open: 'Chat with us', close: 'Minimise', title: 'Customer service', online: 'We are online', offline: 'We are away — leave a message',
      offlineNote: 'Nobody is online right now. Leave your question and how to reach you, and we will reply soon.',
      name: 'Your name', email: 'Email', phone: 'Phone', topic: 'Topic', message: 'Your question',
      start: 'Start chat', leave: 'Leave a message', send: 'Send', file: 'Send a file', placeholder: 'Type a message, Enter to send',
      typing: 'Agent is typing…', sending: 'Sending…', failed: 'Not sent', uploading: 'Uploading…',
      waiting: 'Connecting you to an agent, one moment…', agent: '{name} is helping you', end: 'End chat', ended: 'The chat has ended',
      rate: 'How did we do?', comment: 'Anything to add? (optional)', submitRate: 'Send rating', thanks: 'Thank you for your rating!',
      again: 'Start a new chat', reconnecting: 'Connection lost, reconnecting…', you: 'Me', system: 'System',
      star: '{n} stars', required: 'Enter your name and an email or phone number', topics: ['Before buying', 'After-sales', 'Orders & delivery', 'Complaints & suggestions', 'Other']
    }
  }[lang];
  function t(k, p) { var s = T[k]; for (var n in p || {}) s = s.replace('{' + n + '}', p[n]); return s; }

  // Storage: per host page; a browser without it still chats, it only forgets on reload.
  var KEY = 'kefu:' + base + ':';
  function load(k, d) { try { var v = localStorage.getItem(KEY + k); return v == null ? d : JSON.parse(v); } catch (e) { return d; } }
  function save(k, v) { try { localStorage.setItem(KEY + k, JSON.stringify(v)); } catch (e) { } }

  var token = load('token', '');
  var lastSeq = 0; // what this page shows: a fresh page asks for the recent history
  var pending = load('pending', []); // frames (start or msg) not yet acknowledged, in order
  var profile = load('profile', {});
  var chat = null, welcomed = false, online = true, ws = null, attempts = 0, pingTimer = 0, retryTimer = 0;
  var shown = {}; // seq -> element
  var typingTimer = 0, typingSent = 0, typingStop = 0;

  // ---- DOM, in a shadow root so the host page's styles neither leak in nor out ----
  var host = document.createElement('div');
  host.setAttribute('data-kefu-widget', '');
  var root = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    for (var a in attrs || {}) {
      if (a === 'text') e.textContent = attrs[a];
      else if (a.slice(0, 2) === 'on') e.addEventListener(a.slice(2), attrs[a]);
      else e.setAttribute(a, attrs[a]);
    }
    (kids || []).forEach(function (k) { if (k) e.appendChild(k); });
    return e;
  }
  var css = ':host{all:initial}*{box-sizing:border-box;font:14px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif}' +
    '.btn{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:24px;padding:12px 18px;background:#2563eb;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.18)}' +
    '.btn:focus-visible,button:focus-visible,input:focus-visible,textarea:focus-visible{outline:2px solid #1d4ed8;outline-offset:2px}' +
    '.panel{position:fixed;right:20px;bottom:80px;z-index:2147483000;width:360px;max-width:calc(100vw - 24px);height:520px;max-height:calc(100vh - 100px);display:flex;flex-direction:column;background:#fff;color:#1f2937;border-radius:12px;box-shadow:0 10px 30px rgba(0,0,0,.2);overflow:hidden}' +
    '.panel[hidden]{display:none}.head{display:flex;align-items:center;gap:8px;padding:10px 12px;background:#2563eb;color:#fff}' +
    '.head h2{flex:1;margin:0;font-size:15px;font-weight:600}.head small{display:block;font-size:12px;opacity:.9}.head button{background:transparent;border:1px solid rgba(255,255,255,.6);color:#fff;border-radius:6px;padding:2px 8px;cursor:pointer}' +
    '.note{padding:6px 12px;background:#fef3c7;color:#78350f;font-size:13px}.note[hidden]{display:none}' +
    '.log{flex:1;overflow-y:auto;padding:12px;background:#f8fafc}.m{max-width:80%;margin:6px 0;padding:8px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}' +
    '.m.visitor{margin-left:auto;background:#dbeafe}.m.agent{background:#fff;border:1px solid #e5e7eb}.m.system{margin:6px auto;background:transparent;color:#6b7280;font-size:12px;text-align:center}' +
    '.m .who{display:block;font-size:12px;color:#6b7280}.m .st{display:block;font-size:11px;color:#6b7280;text-align:right}.m.err .st{color:#b91c1c}.m a{color:#1d4ed8}' +
    '.typing{padding:0 12px 4px;color:#6b7280;font-size:12px;min-height:18px;background:#f8fafc}' +
    'form{padding:10px 12px;border-top:1px solid #e5e7eb;display:flex;flex-direction:column;gap:6px}form[hidden]{display:none}' +
    'label{font-size:12px;color:#374151}input,textarea{width:100%;border:1px solid #d1d5db;border-radius:6px;padding:6px 8px;color:#111827;background:#fff}' +
    'textarea{resize:none}.row{display:flex;gap:6px;align-items:flex-end}.row textarea{flex:1}.send{border:0;border-radius:6px;padding:7px 12px;background:#2563eb;color:#fff;cursor:pointer}' +
    '.ghost{border:1px solid #d1d5db;border-radius:6px;padding:6px 8px;background:#fff;color:#374151;cursor:pointer}.err{color:#b91c1c;font-size:12px}' +
    '.stars{display:flex;gap:4px}.stars button{border:1px solid #d1d5db;background:#fff;border-radius:6px;padding:4px 8px;cursor:pointer;font-size:18px;color:#9ca3af}.stars button[aria-pressed=true]{color:#f59e0b;border-color:#f59e0b}' +
    '@media (prefers-reduced-motion:no-preference){.panel{transition:opacity .15s}}';
  root.appendChild(el('style', { text: css }));

  var launcher = el('button', { class: 'btn', 'data-kefu': 'launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'kefu-panel', text: t('open') });
  var statusLine = el('small', { 'data-kefu': 'status', text: '' });
  var endBtn = el('button', { 'data-kefu': 'end', type: 'button', text: t('end'), hidden: '' });
  var closeBtn = el('button', { type: 'button', 'aria-label': t('close'), text: '×' });
  var note = el('div', { class: 'note', role: 'status', hidden: '' });
  var log = el('div', { class: 'log', 'data-kefu': 'log', role: 'log', 'aria-live': 'polite', tabindex: '0' });
  var typingLine = el('div', { class: 'typing', 'aria-live': 'polite' });

  function field(label, input) { return el('label', {}, [document.createTextNode(label), input]); }
  var fName = el('input', { name: 'name', autocomplete: 'name', maxlength: '100', required: '' });
  var fEmail = el('input', { name: 'email', type: 'email', autocomplete: 'email', maxlength: '200' });
  var fPhone = el('input', { name: 'phone', type: 'tel', autocomplete: 'tel', maxlength: '40' });
  var fTopic = el('input', { name: 'topic', list: 'kefu-topics', maxlength: '100' });
  var topicList = el('datalist', { id: 'kefu-topics' }, T.topics.map(function (x) { return el('option', { value: x }); }));
  var fBody = el('textarea', { name: 'body', rows: '3', maxlength: '5000', required: '' });
  var preErr = el('div', { class: 'err', role: 'alert' });
  var preSubmit = el('button', { class: 'send', type: 'submit', text: t('start') });
  var pre = el('form', { 'data-kefu': 'prechat', novalidate: '' }, [field(t('name'), fName), field(t('email'), fEmail), field(t('phone'), fPhone),
    field(t('topic'), fTopic), topicList, field(t('message'), fBody), preErr, preSubmit]);

  var input = el('textarea', { 'data-kefu': 'input', rows: '2', maxlength: '5000', 'aria-label': t('message'), placeholder: t('placeholder') });
  var fileInput = el('input', { type: 'file', hidden: '', accept: '.png,.jpg,.jpeg,.gif,.webp,.pdf,.txt,.csv,.zip,.doc,.docx,.xls,.xlsx,.ppt,.pptx' });
  var fileBtn = el('button', { class: 'ghost', type: 'button', 'aria-label': t('file'), title: t('file'), text: '📎' });
  var composer = el('form', { 'data-kefu': 'composer', hidden: '' }, [el('div', { class: 'row' }, [fileBtn, input, el('button', { class: 'send', type: 'submit', text: t('send') })]), fileInput]);

  var score = 0;
  var starBtns = [1, 2, 3, 4, 5].map(function (n) {
    return el('button', { 'data-kefu': 'star-' + n, type: 'button', 'aria-pressed': 'false', 'aria-label': t('star', { n: n }), text: '★', onclick: function () { setScore(n); } });
  });
  var rComment = el('textarea', { 'data-kefu': 'comment', rows: '2', maxlength: '2000' });
  var rErr = el('div', { class: 'err', role: 'alert' });
  var rating = el('form', { 'data-kefu': 'rating', hidden: '' }, [el('div', { text: t('rate') }), el('div', { class: 'stars', role: 'group', 'aria-label': t('rate') }, starBtns),
    field(t('comment'), rComment), rErr, el('button', { class: 'send', type: 'submit', text: t('submitRate') })]);
  var againBtn = el('button', { class: 'ghost', type: 'button', text: t('again'), hidden: '' });

  var panel = el('div', { class: 'panel', id: 'kefu-panel', role: 'dialog', 'aria-label': t('title'), hidden: '' }, [
    el('div', { class: 'head' }, [el('h2', {}, [document.createTextNode(t('title')), statusLine]), endBtn, closeBtn]),
    note, log, typingLine, pre, composer, rating, againBtn]);
  root.appendChild(launcher);
  root.appendChild(panel);
  (document.body || document.documentElement).appendChild(host);

  fName.value = profile.name || ''; fEmail.value = profile.email || ''; fPhone.value = profile.phone || '';

  function toggle(open) {
    panel.hidden = !open;
    launcher.setAttribute('aria-expanded', String(open));
    launcher.textContent = open ? t('close') : t('open');
    if (open) {
      save('open', 1);
      (pre.hidden ? input : fName).focus();
      log.scrollTop = log.scrollHeight;
    } else save('open', 0);
  }
  launcher.addEventListener('click', function () { toggle(panel.hidden); });
  closeBtn.addEventListener('click', function () { toggle(false); launcher.focus(); });
  panel.addEventListener('keydown', function (e) { if (e.key === 'Escape') { toggle(false); launcher.focus(); } });
  if (load('open', 0)) toggle(true);

  // ---- what the panel shows ----
  function ended() { return chat && (chat.state === 'closed' || chat.status === 'resolved' || chat.status === 'closed'); }
  function show() {
    var started = !!chat || pending.some(function (p) { return p.type === 'start'; });
    pre.hidden = started && !againWanted;
    composer.hidden = !started || againWanted || ended();
    rating.hidden = againWanted || !ended() || !!(chat && chat.rating);
    againBtn.hidden = againWanted || !ended();
    endBtn.hidden = !chat || ended();
    preSubmit.textContent = online ? t('start') : t('leave');
    var s = '';
    if (chat && chat.agent && !ended()) s = t('agent', { name: chat.agent });
    else if (chat && !ended() && !chat.offline) s = t('waiting');
    else if (ended()) s = t('ended');
    else s = online ? t('online') : t('offline');
    statusLine.textContent = s;
    if (!online && !chat) setNote(t('offlineNote')); else if (welcomed) setNote('');
  }
  var againWanted = false;
  function setNote(s) { note.textContent = s; note.hidden = !s; }

  function fmtSize(n) { return n > 1048576 ? (n / 1048576).toFixed(1) + ' MB' : Math.max(1, Math.round(n / 1024)) + ' KB'; }
  function bubble(from, who, body) {
    var b = el('div', { class: 'm ' + from });
    if (who) b.appendChild(el('span', { class: 'who', text: who }));
    b.appendChild(el('span', { class: 'body', text: body }));
    return b;
  }
  function add(b) {
    var near = log.scrollHeight - log.scrollTop - log.clientHeight < 60;
    log.appendChild(b);
    if (near || b.classList.contains('visitor')) log.scrollTop = log.scrollHeight;
  }
  function render(m) {
    if (shown[m.seq]) return;
    var b = m.cid && log.querySelector('[data-cid="' + cssEsc(m.cid) + '"]');
    if (!b) {
      b = bubble(m.from, m.from === 'agent' ? m.author : m.from === 'system' ? t('system') : '', m.body || '');
      add(b);
    } else {
      b.classList.remove('err');
      var st = b.querySelector('.st'); if (st) st.remove();
    }
    (m.attachments || []).forEach(function (a) {
      b.appendChild(el('a', { href: base + a.url, target: '_blank', rel: 'noopener', text: '📄 ' + a.name + ' (' + fmtSize(a.size) + ')' }));
    });
    b.setAttribute('data-seq', m.seq);
    shown[m.seq] = b;
    if (m.seq > lastSeq) lastSeq = m.seq;
    if (m.from === 'agent') typing(false);
  }
  function cssEsc(s) { return String(s).replace(/["\\]/g, '\\$&'); }
  function pendingBubble(p) {
    var b = bubble('visitor', '', p.body);
    b.setAttribute('data-cid', p.cid);
    b.appendChild(el('span', { class: 'st', text: t('sending') }));
    add(b);
    return b;
  }
  function failBubble(cid, msg) {
    var b = log.querySelector('[data-cid="' + cssEsc(cid) + '"]');
    if (!b) return;
    b.classList.add('err');
    var st = b.querySelector('.st') || b.appendChild(el('span', { class: 'st' }));
    st.textContent = t('failed') + (msg ? ': ' + msg : '');
  }
  function typing(on) {
    clearTimeout(typingTimer);
    typingLine.textContent = on ? t('typing') : '';
    if (on) typingTimer = setTimeout(function () { typing(false); }, 6000);
  }

  // ---- the connection ----
  function send(f) { if (ws && ws.readyState === 1) { ws.send(JSON.stringify(f)); return true; } return false; }
  function newCid() { return 'c' + Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }
  function queue(f) {
    pending.push(f); save('pending', pending);
    if (welcomed) send(f);
  }
  function settle(cid) {
    pending = pending.filter(function (p) { return p.cid !== cid; });
    save('pending', pending);
  }
  function connect() {
    clearTimeout(retryTimer);
    var url = base.replace(/^http/, 'ws') + '/widget/ws';
    try { ws = new WebSocket(url); } catch (e) { return retry(); }
    welcomed = false;
    ws.onopen = function () { send({ type: 'hello', token: token, last_seq: lastSeq, lang: lang, team: team }); };
    ws.onmessage = function (ev) { var f; try { f = JSON.parse(ev.data); } catch (e) { return; } onFrame(f); };
    ws.onclose = function () { clearInterval(pingTimer); ws = null; welcomed = false; retry(); };
  }
  function retry() {
    // Exponential backoff with jitter: 1 s, 2 s, 4 s … at most 30 s.
    var d = Math.min(30000, 1000 * Math.pow(2, attempts++)) * (0.5 + Math.random() / 2);
    if (attempts > 1) setNote(t('reconnecting'));
    retryTimer = setTimeout(connect, d);
  }
  function onFrame(f) {
    switch (f.type) {
      case 'welcome':
        attempts = 0; welcomed = true;
        token = f.token; save('token', token);
        chat = f.chat; online = f.online;
        (f.history || []).forEach(render);
        setNote('');
        pending.forEach(function (p) { send(p); }); // resend what was never acknowledged
        clearInterval(pingTimer);
        pingTimer = setInterval(function () { send({ type: 'ping' }); }, 25000);
        show();
        break;
      case 'ack': {
        var p = pending.filter(function (x) { return x.cid === f.cid; })[0];
        settle(f.cid);
        if (p && p.type === 'start' && !chat) chat = { number: f.number, status: 'new', state: 'waiting', agent: '', offline: !online };
        var b = log.querySelector('[data-cid="' + cssEsc(f.cid) + '"]');
        if (b) { var st = b.querySelector('.st'); if (st) st.remove(); b.setAttribute('data-seq', f.seq); }
        show();
        break;
      }
      case 'msg': render(f); break;
      case 'status':
        chat = { number: f.number, status: f.status, state: f.state, agent: f.agent, offline: f.offline, rating: f.rating };
        show();
        break;
      case 'typing': if (f.from === 'agent') typing(f.on); break;
      case 'rated':
        if (chat) chat.rating = f.score;
        rating.hidden = true;
        add(bubble('system', '', t('thanks')));
        show();
        break;
      case 'error':
        if (f.cid) {
          if (f.code === 'rate_limited') { setTimeout(function () { var p = pending.filter(function (x) { return x.cid === f.cid; })[0]; if (p) send(p); }, 5000); }
          else {
            var wasStart = pending.some(function (x) { return x.cid === f.cid && x.type === 'start'; });
            settle(f.cid);
            failBubble(f.cid, f.message);
            if (wasStart) { preErr.textContent = fieldMessage(f); show(); }
          }
        } else if (!rating.hidden) rErr.textContent = fieldMessage(f);
        else setNote(f.message);
        break;
    }
  }
  function fieldMessage(f) {
    var out = [];
    for (var k in f.fields || {}) out.push(f.fields[k].message);
    return out.length ? out.join('；') : f.message;
  }

  // ---- the visitor's actions ----
  pre.addEventListener('submit', function (e) {
    e.preventDefault();
    var name = fName.value.trim(), email = fEmail.value.trim(), phone = fPhone.value.trim(), body = fBody.value.trim();
    if (!name || (!email && !phone) || !body) { preErr.textContent = t('required'); return; }
    preErr.textContent = '';
    profile = { name: name, email: email, phone: phone }; save('profile', profile);
    var f = { type: 'start', cid: newCid(), name: name, email: email, phone: phone, topic: fTopic.value.trim(), body: body };
    againWanted = false; chat = null;
    pendingBubble(f);
    queue(f);
    fBody.value = '';
    show();
    input.focus();
  });
  composer.addEventListener('submit', function (e) {
    e.preventDefault();
    var body = input.value.trim();
    if (!body) return;
    var f = { type: 'msg', cid: newCid(), body: body };
    pendingBubble(f);
    queue(f);
    input.value = '';
    if (typingSent) { send({ type: 'typing', on: false }); typingSent = 0; }
  });
  input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); composer.requestSubmit ? composer.requestSubmit() : composer.dispatchEvent(new Event('submit')); }
  });
  input.addEventListener('input', function () {
    var now = Date.now();
    if (now - typingSent > 3000) { if (send({ type: 'typing', on: true })) typingSent = now; }
    clearTimeout(typingStop);
    typingStop = setTimeout(function () { if (typingSent) { send({ type: 'typing', on: false }); typingSent = 0; } }, 4000);
  });
  fileBtn.addEventListener('click', function () { fileInput.click(); });
  fileInput.addEventListener('change', function () {
    var file = fileInput.files && fileInput.files[0];
    fileInput.value = '';
    if (!file) return;
    var cid = newCid();
    var b = pendingBubble({ cid: cid, body: '📄 ' + file.name });
    b.querySelector('.st').textContent = t('uploading');
    var fd = new FormData();
    fd.append('token', token); fd.append('cid', cid); fd.append('lang', lang); fd.append('file', file);
    fetch(base + '/widget/upload', { method: 'POST', body: fd, credentials: 'omit' })
      .then(function (r) { return r.json(); })
      .then(function (f) { if (f.type === 'ack') { var st = b.querySelector('.st'); if (st) st.remove(); b.setAttribute('data-seq', f.seq); } else failBubble(cid, fieldMessage(f)); })
      .catch(function () { failBubble(cid, ''); });
  });
  function setScore(n) {
    score = n;
    starBtns.forEach(function (b, i) { b.setAttribute('aria-pressed', String(i < n)); });
  }
  rating.addEventListener('submit', function (e) {
    e.preventDefault();
    if (!score) { rErr.textContent = t('rate'); return; }
    rErr.textContent = '';
    send({ type: 'rate', score: score, comment: rComment.value.trim() });
  });
  endBtn.addEventListener('click', function () { send({ type: 'end' }); });
  againBtn.addEventListener('click', function () { againWanted = true; show(); fBody.focus(); });

  // Messages queued while offline were drawn before; draw them again after a reload.
  pending.forEach(function (p) { pendingBubble(p); });
  show();
  connect();
})();
