// The queue: waiting requests, live chats, missed requests and offline tickets, re-rendered from each snapshot.
import { api, conversationPath } from './api.js';
import { acceptChat, attachmentList, nameChat, openChat } from './chats.js';
import { $, LANGUAGES, REASONS, agentTitle, button, clear, el, formatElapsed } from './dom.js';
import { state } from './state.js';

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
export function renderQueue() {
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
