// The chats: one tab per conversation, its transcript, canned replies, accept / send / close.
import { api, conversationPath } from './api.js';
import { $, LANGUAGES, NOTES, agentTitle, clear, el, formatTime, safeUrl, shorten } from './dom.js';
import { state } from './state.js';

export function attachmentList(attachments) {
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
export function addMessage(chat, data) {
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
export function addNote(chat, text) {
  chat.list.appendChild(el('li', 'note', text));
  chat.list.scrollTop = chat.list.scrollHeight;
}
export function fillCanned(chat) {
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
export function updateChatStatus(conversationId, patch) {
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
export function markUnread(chat) {
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
/** People know a chat by its case number and what the seller first asked, not by the conversation id. */
export function nameChat(chat) {
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
export async function openChat(conversationId) {
  const chat = state.chats.get(conversationId) || createChat(conversationId);
  selectChat(chat);
  await loadTranscript(chat);
  return chat;
}
export async function acceptChat(conversationId) {
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
