// Alerts for the agent: a short beep, and the count of unseen events in the tab's title.
import { state } from './state.js';

const BASE_TITLE = document.title;
export function unlockAudio() {
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
export function alertAgent(what) {
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
