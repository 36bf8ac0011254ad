// Small DOM and text helpers of the agent console. Text only: nothing a seller wrote becomes HTML.
export const $ = (id) => document.getElementById(id);

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}
export function button(label, className, onClick) {
  const b = el('button', className, label);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}
/** Only links we can vouch for: http(s) and same-origin paths. */
export function safeUrl(url) {
  return typeof url === 'string' && /^(https?:\/\/|\/(?!\/))/i.test(url) ? url : null;
}
export function formatElapsed(sinceIso) {
  const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(sinceIso)) / 1000));
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m >= 60 ? `${Math.floor(m / 60)}시간 ${m % 60}분` : `${m}:${String(s).padStart(2, '0')}`;
}
export function formatTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString('ko-KR', { hour: '2-digit', minute: '2-digit' });
}
export const NOTES = { seller_left: '판매자가 대화를 떠났어요. 이후 메시지는 전달되지 않아요. · The seller left; messages are no longer delivered.' };
/** "상담사 민지"; the generated agent that has not chosen a name is just "상담사". */
export function agentTitle(name) {
  return !name || name === '상담사' ? '상담사' : `상담사 ${name}`;
}
export const REASONS = { requested: '상담 요청', no_match: '이해 못함', ticket: '오프라인 메시지' };
export const LANGUAGES = { ko: '한국어', en: 'English' };
export function shorten(text, max) {
  const chars = Array.from(text || '');
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
}
