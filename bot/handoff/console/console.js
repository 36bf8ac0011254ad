// The agent console: sign in, the live queue, several chats at once, canned replies, accept / send / close.
// No framework. Everything a seller wrote is put on the page with textContent, never as HTML.
(function () {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const state = {
    agent: null,
    queue: { waiting: [], active: [], missed: [], tickets: [] },
    canned: [],
    chats: new Map(), // conversationId -> chat
    current: null,
    events: null,
    audio: null,
    unseen: 0,
  };
  const BASE_TITLE = document.title;

  // ---- small DOM helpers (text only) ----
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function button(label, className, onClick) {
    const b = el('button', className, label);
    b.type = 'button';
    b.addEventListener('click', onClick);
    return b;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  /** Only links we can vouch for: http(s) and same-origin paths. */
  function safeUrl(url) {
    return typeof url === 'string' && /^(https?:\/\/|\/(?!\/))/i.test(url) ? url : null;
  }
  function formatElapsed(sinceIso) {
    const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(sinceIso)) / 1000));
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return m >= 60 ? `${Math.floor(m / 60)}시간 ${m % 60}분` : `${m}:${String(s).padStart(2, '0')}`;
  }
  function formatTime(iso) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString('ko-KR', { hour: '2-digit', minute: '2-digit' });
  }
  const NOTES = { seller_left: '판매자가 대화를 떠났어요. 이후 메시지는 전달되지 않아요. · The seller left; messages are no longer delivered.' };
  /** "상담사 민지"; the generated agent that has not chosen a name is just "상담사". */
  function agentTitle(name) {
    return !name || name === '상담사' ? '상담사' : `상담사 ${name}`;
  }
  const REASONS = { requested: '상담 요청', no_match: '이해 못함', ticket: '오프라인 메시지' };
  const LANGUAGES = { ko: '한국어', en: 'English' };

  // ---- HTTP ----
  async function api(method, path, body) {
    const options = { method, headers: {}, credentials: 'same-origin' };
    if (body !== undefined) {
      options.headers['content-type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    const res = await fetch(path, options);
    let data = null;
    try {
      data = await res.json();
    } catch (_) {
      data = null;
    }
    if (res.status === 401 && path !== '/api/agent/session') showSignIn('다시 로그인해 주세요. · Please sign in again.');
    return { status: res.status, data };
  }
  const conversationPath = (id, action) => `/api/agent/conversations/${encodeURIComponent(id)}/${action}`;

  // ---- alerts: title and a short beep ----
  function unlockAudio() {
    if (state.audio || !window.AudioContext) return;
    try {
      state.audio = new AudioContext();
    } catch (_) {
      state.audio = null;
    }
  }
  function beep() {
    const ctx = state.audio;
    if (!ctx) return;
    if (ctx.state === 'suspended') ctx.resume().catch(() => undefined);
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.25);
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.3);
  }
  function alertAgent(what) {
    beep();
    if (document.hasFocus() && !document.hidden) return;
    state.unseen += 1;
    document.title = `(${state.unseen}) ${what} · ${BASE_TITLE}`;
  }
  function clearAlert() {
    state.unseen = 0;
    document.title = BASE_TITLE;
  }
  window.addEventListener('focus', clearAlert);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) clearAlert();
  });
  document.addEventListener('pointerdown', unlockAudio, { once: true });
  document.addEventListener('keydown', unlockAudio, { once: true });

  // ---- sign-in ----
  function showSignIn(message) {
    if (state.events) state.events.close();
    state.events = null;
    $('console-view').hidden = true;
    $('name-view').hidden = true;
    $('status').hidden = true;
    $('sign-in-view').hidden = false;
    $('sign-in-error').textContent = message || '';
    $('token').focus();
  }
  $('sign-in-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    unlockAudio();
    // The token file holds "name:token"; the whole line may be pasted (tokens have no colon).
    const raw = $('token').value.trim();
    const token = raw.includes(':') ? raw.slice(raw.indexOf(':') + 1).trim() : raw;
    if (!token) return;
    const res = await api('POST', '/api/agent/session', { token });
    if (res.status !== 200) {
      $('sign-in-error').textContent = res.status === 401 ? '토큰이 올바르지 않아요. · Unknown token.' : `로그인하지 못했어요 (${res.status}).`;
      return;
    }
    $('token').value = '';
    const me = await api('GET', '/api/agent/me');
    start(res.data.agent, me.status === 200 && me.data.canChooseName);
  });

  // ---- the generated local agent chooses the name sellers see, once ----
  const NAME_SKIPPED_KEY = 'agentConsole.nameSkipped';
  function nameSkipped() {
    try {
      return window.localStorage.getItem(NAME_SKIPPED_KEY) === '1';
    } catch (_) {
      return false;
    }
  }
  function askName() {
    $('sign-in-view').hidden = true;
    $('name-view').hidden = false;
    $('name-error').textContent = '';
    $('agent-name').focus();
    return new Promise((resolve) => {
      const done = (agent) => {
        $('name-form').onsubmit = null;
        $('name-skip').onclick = null;
        $('name-view').hidden = true;
        resolve(agent);
      };
      $('name-form').onsubmit = async (event) => {
        event.preventDefault();
        const name = $('agent-name').value.trim();
        if (!name) return;
        const res = await api('PUT', '/api/agent/me', { name });
        if (res.status === 200) done(res.data.agent);
        else $('name-error').textContent = (res.data && res.data.message) || `이름을 저장하지 못했어요 (${res.status}).`;
      };
      $('name-skip').onclick = () => {
        try {
          window.localStorage.setItem(NAME_SKIPPED_KEY, '1');
        } catch (_) {
          // private mode: asked again next time
        }
        done(null);
      };
    });
  }
  $('sign-out').addEventListener('click', async () => {
    await api('DELETE', '/api/agent/session');
    showSignIn('');
  });

  async function start(agent, canChooseName) {
    if (canChooseName && !nameSkipped()) agent = (await askName()) || agent;
    state.agent = agent;
    $('sign-in-view').hidden = true;
    $('console-view').hidden = false;
    $('status').hidden = false;
    $('me').textContent = agentTitle(agent);
    const canned = await api('GET', '/api/agent/canned');
    if (canned.status === 200) state.canned = canned.data.canned || [];
    connectEvents();
    for (const chat of state.chats.values()) fillCanned(chat);
  }

  // ---- the event stream ----
  function setConnection(ok) {
    const node = $('connection');
    node.textContent = ok ? '● 연결됨' : '○ 다시 연결 중…';
    node.className = ok ? 'connection ok' : 'connection down';
  }
  function connectEvents() {
    if (state.events) state.events.close();
    const source = new EventSource('/api/agent/events');
    state.events = source;
    const on = (name, handler) =>
      source.addEventListener(name, (e) => {
        try {
          handler(JSON.parse(e.data));
        } catch (error) {
          console.error(name, error);
        }
      });
    source.onopen = () => setConnection(true);
    source.onerror = async () => {
      setConnection(false);
      // EventSource hides the status: ask whether the session is still valid.
      const me = await api('GET', '/api/agent/me');
      if (me.status === 401) source.close();
    };
    on('hello', (data) => setOnline(data.agentsOnline));
    on('agents', (data) => setOnline(data.online));
    on('queue', (data) => {
      state.queue = data;
      renderQueue();
    });
    on('waiting', (data) => alertAgent(`새 상담 대기 ${data.caseNumber || ''}`));
    on('ticket', (data) => alertAgent(`오프라인 메시지 ${data.caseNumber || ''}`));
    on('message', (data) => {
      const chat = state.chats.get(data.conversationId);
      if (!chat) return;
      addMessage(chat, data);
      if (data.role === 'seller') {
        if (state.current !== chat) markUnread(chat);
        if (chat.session && chat.session.agent === state.agent) alertAgent('새 메시지');
      }
    });
    on('accepted', (data) => updateChatStatus(data.conversationId, { status: 'active', agent: data.agent }));
    on('closed', (data) => {
      updateChatStatus(data.conversationId, { status: 'closed' });
      const chat = state.chats.get(data.conversationId);
      if (chat && data.by === 'seller') addNote(chat, '판매자가 상담을 종료했어요. · The seller ended the chat.');
      if (chat && data.by === 'left') addNote(chat, NOTES.seller_left);
    });
    on('cancelled', (data) => {
      updateChatStatus(data.conversationId, { status: 'closed' });
      const chat = state.chats.get(data.conversationId);
      if (chat) addNote(chat, '판매자가 대기를 취소했어요. · The seller left the queue.');
    });
    on('missed', (data) => updateChatStatus(data.conversationId, { status: 'missed' }));
  }
  function setOnline(count) {
    $('online').textContent = `접속 상담사 ${count}명`;
  }

  // ---- the queue ----
  function entryItem(entry, kind) {
    const li = el('li', `entry ${kind}`);
    const head = el('div', 'entry-head');
    if (kind === 'waiting') head.appendChild(el('span', 'position', `${entry.position}`));
    head.appendChild(el('span', 'case', entry.caseNumber || ''));
    if (entry.reason) head.appendChild(el('span', `badge reason-${entry.reason}`, REASONS[entry.reason] || entry.reason));
    if (entry.language) head.appendChild(el('span', 'badge lang', LANGUAGES[entry.language] || entry.language));
    if (kind === 'waiting') {
      const since = el('span', 'elapsed', formatElapsed(entry.waitingSince));
      since.dataset.since = entry.waitingSince;
      since.title = '대기 시간 · waiting';
      head.appendChild(since);
    }
    if (kind === 'active') head.appendChild(el('span', entry.agent === state.agent ? 'badge mine' : 'badge', agentTitle(entry.agent)));
    li.appendChild(head);
    const text = kind === 'tickets' ? entry.text : entry.summary;
    li.appendChild(el('p', 'summary', text || ''));
    if (kind === 'tickets' && entry.attachments && entry.attachments.length) li.appendChild(attachmentList(entry.attachments));
    const actions = el('div', 'entry-actions');
    if (kind === 'waiting' || kind === 'missed' || kind === 'tickets') {
      actions.appendChild(button('수락 Accept', 'primary', () => acceptChat(entry.conversationId)));
    }
    actions.appendChild(button('보기 Open', '', () => openChat(entry.conversationId)));
    if (kind === 'missed' || kind === 'tickets') {
      actions.appendChild(
        button('정리 Dismiss', 'link', async () => {
          const res =
            kind === 'tickets'
              ? await api('POST', `/api/agent/tickets/${encodeURIComponent(entry.caseNumber)}/dismiss`)
              : await api('POST', conversationPath(entry.conversationId, 'close'));
          if (res.status !== 200) window.alert((res.data && res.data.message) || `오류 ${res.status}`);
        }),
      );
    }
    li.appendChild(actions);
    return li;
  }
  function renderList(kind, entries) {
    const list = $(`list-${kind}`);
    clear(list);
    for (const entry of entries) list.appendChild(entryItem(entry, kind));
    $(`count-${kind}`).textContent = String(entries.length);
  }
  function renderQueue() {
    const q = state.queue;
    renderList('waiting', q.waiting || []);
    renderList('active', q.active || []);
    renderList('missed', q.missed || []);
    renderList('tickets', q.tickets || []);
    $('empty-waiting').hidden = (q.waiting || []).length > 0;
    for (const chat of state.chats.values()) nameChat(chat);
  }
  setInterval(() => {
    for (const node of document.querySelectorAll('[data-since]')) node.textContent = formatElapsed(node.dataset.since);
  }, 1000);

  // ---- chats ----
  function attachmentList(attachments) {
    const list = el('ul', 'attachments');
    for (const a of attachments) {
      const li = el('li');
      const url = safeUrl(a.contentUrl);
      const label = a.name || a.contentType || '첨부';
      if (url) {
        // Only this server's own files are shown inline: an image elsewhere (the seller chose the URL) is a
        // link, so opening a chat makes the browser fetch nothing from other hosts.
        const thumbnail = /^image\//i.test(a.contentType || '') && new URL(url, location.href).origin === location.origin;
        const link = el('a', '', thumbnail ? '' : `📎 ${label}`);
        link.href = url;
        link.target = '_blank';
        link.rel = 'noopener noreferrer';
        if (thumbnail) {
          const img = el('img', 'thumb');
          img.src = url;
          img.alt = label;
          img.loading = 'lazy';
          link.appendChild(img);
        }
        li.appendChild(link);
      } else {
        li.textContent = `📎 ${label} (${a.contentType || 'file'})`;
      }
      list.appendChild(li);
    }
    return list;
  }
  function messageKey(data) {
    return data.messageId !== undefined && data.messageId !== null ? `agent-${data.messageId}` : null;
  }
  function addMessage(chat, data) {
    const key = messageKey(data);
    if (key && chat.rendered.has(key)) {
      setDelivered(chat.rendered.get(key), data.delivered !== false);
      return;
    }
    const li = el('li', `message ${data.role}`);
    const meta = el('div', 'meta');
    const who = data.role === 'seller' ? '판매자' : data.role === 'agent' ? agentTitle(data.agent) : '챗봇';
    meta.appendChild(el('span', 'who', who));
    meta.appendChild(el('time', 'time', formatTime(data.timestamp)));
    li.appendChild(meta);
    if (data.text) li.appendChild(el('p', 'text', data.text));
    if (data.attachments && data.attachments.length) li.appendChild(attachmentList(data.attachments));
    if (data.role === 'agent') setDelivered(li, data.delivered !== false);
    chat.list.appendChild(li);
    if (key) chat.rendered.set(key, li);
    const nearBottom = chat.list.scrollHeight - chat.list.scrollTop - chat.list.clientHeight < 120;
    if (nearBottom || data.role === 'agent') chat.list.scrollTop = chat.list.scrollHeight;
  }
  function setDelivered(li, delivered) {
    li.classList.toggle('undelivered', !delivered);
    let flag = li.querySelector('.flag');
    if (!delivered && !flag) {
      flag = el('span', 'flag', '전달 안 됨 · not delivered');
      li.querySelector('.meta').appendChild(flag);
    } else if (delivered && flag) {
      flag.remove();
    }
  }
  function addNote(chat, text) {
    chat.list.appendChild(el('li', 'note', text));
    chat.list.scrollTop = chat.list.scrollHeight;
  }
  function fillCanned(chat) {
    const select = chat.canned;
    while (select.options.length > 1) select.remove(1);
    for (const reply of state.canned) {
      const option = el('option', '', `${reply.title.ko} · ${reply.title.en}`);
      option.value = reply.id;
      select.appendChild(option);
    }
  }
  function updateChatControls(chat) {
    const s = chat.session || {};
    const mine = s.status === 'active' && s.agent === state.agent;
    const acceptable = s.status === 'waiting' || s.status === 'missed' || chat.hasTicket;
    chat.acceptButton.hidden = !acceptable;
    chat.closeButton.hidden = !mine;
    chat.input.disabled = !mine;
    chat.send.disabled = !mine;
    chat.canned.disabled = !mine;
    const statusText = { waiting: '대기 중', active: mine ? '상담 중 (나)' : `상담 중 (${s.agent || ''})`, missed: '놓친 요청', closed: '종료됨' }[s.status] || '';
    chat.meta.textContent = [LANGUAGES[s.language] || s.language, statusText].filter(Boolean).join(' · ');
    nameChat(chat);
    chat.summary.textContent = s.summary || '';
    chat.note.textContent = mine ? '' : '수락한 상담에만 메시지를 보낼 수 있어요. · Accept the chat to write.';
    chat.tab.classList.toggle('mine', mine);
  }
  function updateChatStatus(conversationId, patch) {
    const chat = state.chats.get(conversationId);
    if (!chat) return;
    chat.session = Object.assign({}, chat.session, patch);
    if (patch.status === 'active') chat.hasTicket = false;
    updateChatControls(chat);
  }
  function selectChat(chat) {
    state.current = chat;
    for (const other of state.chats.values()) {
      const active = other === chat;
      other.panel.hidden = !active;
      other.tab.setAttribute('aria-selected', active ? 'true' : 'false');
      other.tab.classList.toggle('current', active);
    }
    chat.tab.classList.remove('unread');
    $('chat-empty').hidden = true;
    chat.list.scrollTop = chat.list.scrollHeight;
  }
  function markUnread(chat) {
    chat.tab.classList.add('unread');
  }
  function closeTab(chat) {
    chat.panel.remove();
    chat.tab.remove();
    state.chats.delete(chat.id);
    if (state.current === chat) {
      state.current = null;
      const next = state.chats.values().next().value;
      if (next) selectChat(next);
      else $('chat-empty').hidden = false;
    }
  }
  function shorten(text, max) {
    const chars = Array.from(text || '');
    return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
  }
  /** People know a chat by its case number and what the seller first asked, not by the conversation id. */
  function nameChat(chat) {
    const lists = state.queue;
    const entry = [].concat(lists.waiting || [], lists.active || [], lists.missed || [], lists.tickets || []).find((e) => e.conversationId === chat.id);
    const caseNumber = (chat.session && chat.session.caseNumber) || (entry && entry.caseNumber) || '';
    const question = chat.firstQuestion || (entry && (entry.text || entry.lastMessage)) || '';
    chat.title.textContent = [caseNumber, question && `“${shorten(question, 60)}”`].filter(Boolean).join(' · ') || chat.id;
    chat.tabCase.textContent = caseNumber || shorten(chat.id, 18);
    chat.tabQuestion.textContent = shorten(question, 16);
    chat.tab.title = [caseNumber, question].filter(Boolean).join(' · ') || chat.id;
    chat.panel.setAttribute('aria-label', chat.title.textContent);
    chat.title.title = chat.id; // the conversation id, for logs and the API
  }
  function createChat(conversationId) {
    const panel = $('chat-template').content.firstElementChild.cloneNode(true);
    const tab = el('button', 'tab');
    const tabCase = el('span', 'tab-case');
    const tabQuestion = el('span', 'tab-question');
    tab.append(tabCase, tabQuestion);
    tab.type = 'button';
    tab.setAttribute('role', 'tab');
    const chat = {
      title: panel.querySelector('.chat-title'),
      tabCase,
      tabQuestion,
      firstQuestion: '',
      id: conversationId,
      panel,
      tab,
      session: null,
      hasTicket: false,
      rendered: new Map(),
      list: panel.querySelector('.messages'),
      input: panel.querySelector('.input'),
      send: panel.querySelector('.send'),
      canned: panel.querySelector('.canned'),
      meta: panel.querySelector('.chat-meta'),
      summary: panel.querySelector('.chat-summary'),
      note: panel.querySelector('.composer-note'),
      acceptButton: panel.querySelector('.accept'),
      closeButton: panel.querySelector('.close-chat'),
    };
    nameChat(chat);
    tab.addEventListener('click', () => selectChat(chat));
    panel.querySelector('.hide-chat').addEventListener('click', () => closeTab(chat));
    chat.acceptButton.addEventListener('click', () => acceptChat(conversationId));
    chat.closeButton.addEventListener('click', () => closeChat(chat));
    chat.canned.addEventListener('change', () => {
      const reply = state.canned.find((r) => r.id === chat.canned.value);
      chat.canned.value = '';
      if (!reply) return;
      const language = (chat.session && chat.session.language) === 'en' ? 'en' : 'ko';
      chat.input.value = chat.input.value ? `${chat.input.value}\n${reply.text[language]}` : reply.text[language];
      chat.input.focus();
    });
    // Korean IME: Enter that confirms a composing syllable must not send the message.
    chat.input.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' || event.shiftKey) return;
      if (event.isComposing || event.keyCode === 229) return;
      event.preventDefault();
      sendMessage(chat);
    });
    panel.querySelector('.composer').addEventListener('submit', (event) => {
      event.preventDefault();
      sendMessage(chat);
    });
    fillCanned(chat);
    $('tabs').appendChild(tab);
    $('chat-panels').appendChild(panel);
    state.chats.set(conversationId, chat);
    return chat;
  }
  async function loadTranscript(chat) {
    const res = await api('GET', conversationPath(chat.id, 'transcript'));
    if (res.status !== 200) {
      addNote(chat, (res.data && res.data.message) || `대화를 불러오지 못했어요 (${res.status}).`);
      return;
    }
    clear(chat.list);
    chat.rendered.clear();
    chat.session = res.data.session || {};
    chat.hasTicket = (state.queue.tickets || []).some((t) => t.conversationId === chat.id);
    const first = res.data.messages.find((m) => m.role === 'seller' && m.text && m.text.trim());
    chat.firstQuestion = first ? first.text.trim() : '';
    for (const m of res.data.messages) {
      if (m.role === 'note') addNote(chat, NOTES[m.event] || m.text);
      else addMessage(chat, m);
    }
    updateChatControls(chat);
  }
  async function openChat(conversationId) {
    const chat = state.chats.get(conversationId) || createChat(conversationId);
    selectChat(chat);
    await loadTranscript(chat);
    return chat;
  }
  async function acceptChat(conversationId) {
    const res = await api('POST', conversationPath(conversationId, 'accept'));
    if (res.status !== 200) {
      window.alert((res.data && res.data.message) || `수락하지 못했어요 (${res.status}).`);
      return;
    }
    const chat = await openChat(conversationId);
    if (!res.data.notified) addNote(chat, '판매자에게 연결 안내를 보내지 못했어요. · The seller could not be notified.');
    chat.input.focus();
  }
  async function sendMessage(chat) {
    const text = chat.input.value.trim();
    if (!text || chat.input.disabled) return;
    chat.send.disabled = true;
    try {
      const res = await api('POST', conversationPath(chat.id, 'messages'), { text });
      if (res.status === 200 || res.status === 502 || res.status === 410) {
        chat.input.value = '';
        addMessage(chat, {
          role: 'agent',
          agent: state.agent,
          text,
          timestamp: res.data.timestamp || new Date().toISOString(),
          messageId: res.data.messageId,
          delivered: res.status === 200,
        });
        if (res.status === 502) addNote(chat, '판매자 채널에 연결할 수 없어 전달되지 않았어요. · Not delivered: the seller cannot be reached.');
        if (res.status === 410) {
          addNote(chat, NOTES.seller_left);
          updateChatStatus(chat.id, { status: 'closed' });
        }
      } else {
        addNote(chat, (res.data && res.data.message) || `보내지 못했어요 (${res.status}).`);
      }
    } finally {
      chat.send.disabled = false;
      chat.input.focus();
    }
  }
  async function closeChat(chat) {
    if (!window.confirm('상담을 종료할까요? 판매자에게 상담 요약이 전송돼요.\nClose this chat? The seller gets the summary.')) return;
    const res = await api('POST', conversationPath(chat.id, 'close'));
    if (res.status !== 200) {
      window.alert((res.data && res.data.message) || `종료하지 못했어요 (${res.status}).`);
      return;
    }
    addNote(chat, `상담을 종료했어요. 상담 번호 ${res.data.caseNumber} · Chat closed.`);
    updateChatStatus(chat.id, { status: 'closed' });
  }

  // ---- boot: already signed in (cookie)? ----
  (async function boot() {
    const me = await api('GET', '/api/agent/me');
    if (me.status === 200) start(me.data.agent, me.data.canChooseName);
    else showSignIn('');
  })();
})();
