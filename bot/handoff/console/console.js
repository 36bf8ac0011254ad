// The agent console: sign in, the live queue, several chats at once, canned replies, accept / send / close.
// No framework; ES modules served beside this file. Everything a seller wrote is put on the page with
// textContent, never as HTML.
import { alertAgent, unlockAudio } from './alerts.js';
import { api, onSignedOut } from './api.js';
import { addMessage, addNote, fillCanned, markUnread, updateChatStatus } from './chats.js';
import { $, NOTES, agentTitle } from './dom.js';
import { renderQueue } from './queue.js';
import { state } from './state.js';

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

onSignedOut(showSignIn);

// ---- boot: already signed in (cookie)? ----
(async function boot() {
  const me = await api('GET', '/api/agent/me');
  if (me.status === 200) start(me.data.agent, me.data.canChooseName);
  else showSignIn('');
})();
