// SIGKILL mid-load, twice, restarting on the same DATA_DIR each time: nothing acknowledged before the kill
// is lost: conversation state, transcript lines, offline tickets, queue entries, live chats, agent
// messages, and outbox messages (replies and agent messages a down channel had not taken), which are
// then delivered, once each, in order.
//   run 1 (a holiday, so handoff requests become offline tickets): sellers chatting, tickets being left,
//        replies piling up in the outbox for a channel that is down → SIGKILL
//   run 2: tickets and dialog state are back, the outbox drains; sellers queue, agents chat (one seller's
//        channel down again) → SIGKILL
//   run 3: the queue, the chats and the agents' undelivered messages are back; they are delivered.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { AGENT_TOKENS, MINJI, accept, api, conversationPath, ko, queue, sendAsAgent } from '../handoff/helpers';
import { ChannelServer, type ReceivedActivity } from '../support/channelServer';
import { message, post } from '../support/botServer';
import { type BotProcess, spawnBot } from '../support/botProcess';

const SCRIPT = ['안녕하세요', '상품 삭제 어떻게 해요?', '해결됐어요', '운영 시간 알려주세요', '고객센터 연락 방법 알려주세요', 'How do I delete a product?', '고마워요'];
const ENV = {
  AGENT_TOKENS,
  CHANNEL_TIMEOUT_MS: '300',
  OUTBOX_RETRY_BASE_MS: '100',
  OUTBOX_RETRY_MAX_MS: '300',
  FALLBACK_HANDOFF_AFTER: '0',
  RATE_LIMIT_PER_MINUTE: '0', // sellers here type as fast as the bot answers
  HANDOFF_LIMIT_PER_ADDRESS: '0', // the queueing sellers all come from 127.0.0.1, as many as the load reaches before the kill
};

interface Ack {
  conversationId: string;
  activityId: string;
  text: string;
}

let up: ChannelServer;
let down: ChannelServer;
let dataDir: string;
let bot: BotProcess | undefined;

beforeAll(async () => {
  up = new ChannelServer();
  down = new ChannelServer();
  await Promise.all([up.start(), down.start()]);
  dataDir = mkdtempSync(join(tmpdir(), 'bot-faults-'));
});

afterAll(async () => {
  await bot?.kill('SIGKILL');
  await Promise.all([up?.stop(), down?.stop()]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The channel's view once repeats of one outbox message (same activity id) are dropped, as the outbox asks. */
function onceEach(activities: ReceivedActivity[]): ReceivedActivity[] {
  const seen = new Set<string>();
  return activities.filter((a) => {
    const id = typeof a.id === 'string' ? a.id : undefined;
    if (id === undefined) return true;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Yesterday, today and tomorrow in the support time zone: the bot is closed, whatever the clock says. */
function holidaysAroundToday(): string {
  const day = (offset: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(new Date(Date.now() + offset * 86_400_000));
  return [day(-1), day(0), day(1)].join(',');
}

/** Reads the dead process's database directly (before the restart). */
function inspect<T>(read: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(join(dataDir, 'bot.sqlite'), { fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

function transcriptOf(db: BetterSqlite3.Database, conversationId: string): { id?: string; text?: string; replyToId?: string; from?: { role?: string }; type?: string }[] {
  return db
    .prepare<[string], { activity: string }>('SELECT activity FROM transcript_activities WHERE conversation_id = ? ORDER BY sequence')
    .all(conversationId)
    .map((r) => JSON.parse(r.activity));
}

/** A seller who keeps writing until the process dies; only 200 answers count as acknowledged. */
async function chatter(url: string, id: string, channel: ChannelServer, run: number, acks: Ack[], statuses: number[]): Promise<void> {
  for (let turn = 0; ; turn++) {
    const text = SCRIPT[turn % SCRIPT.length]!;
    const activity = message(id, text, { serviceUrl: channel.url, id: `${id}/run${run}-${turn}` });
    let status: number;
    try {
      status = (await post(url, '/api/messages', activity)).status;
    } catch {
      return; // the process is gone
    }
    statuses.push(status);
    if (status !== 200) return;
    acks.push({ conversationId: id, activityId: activity.id as string, text });
  }
}

async function killWhen(ready: () => boolean): Promise<void> {
  await until(ready, 20000, 'enough acknowledged work before the kill');
  await bot!.kill('SIGKILL');
}

test('SIGKILL mid-load, twice: nothing acknowledged is lost; the outbox delivers after the restart', async () => {
  // ---- run 1: a holiday --------------------------------------------------------------------------
  bot = await spawnBot(dataDir, { ...ENV, SUPPORT_HOLIDAYS: holidaysAroundToday() });
  let url = bot.url;
  const acks: Ack[] = [];
  const statuses: number[] = [];
  const tickets: { conversationId: string; text: string }[] = [];
  // Mid-dialog when the process dies: the bot has just asked whether it helped.
  const dialog = await post(url, '/api/messages', message('dialog', '상품 삭제 어떻게 해요?', { serviceUrl: up.url }));
  expect(dialog.status).toBe(200);
  expect(up.texts('dialog').at(-1)).toContain(ko('delete_product.ask_resolved'));

  const upIds = Array.from({ length: 12 }, (_, i) => `up-${i}`);
  const downIds = Array.from({ length: 4 }, (_, i) => `down-${i}`);
  down.mode = 'down';
  const leaveTickets = (async () => {
    for (let i = 0; ; i++) {
      const id = `ticket-${i}`;
      const text = `상품번호 55500000${i} 삭제가 안 돼요`;
      try {
        if ((await post(url, '/api/messages', message(id, '상담사', { serviceUrl: up.url }))).status !== 200) return;
        if ((await post(url, '/api/messages', message(id, text, { serviceUrl: up.url }))).status !== 200) return;
      } catch {
        return;
      }
      expect(up.texts(id).at(-1)).toMatch(/^메시지를 남겼어요/);
      tickets.push({ conversationId: id, text });
    }
  })();
  const load = [...upIds.map((id) => chatter(url, id, up, 1, acks, statuses)), ...downIds.map((id) => chatter(url, id, down, 1, acks, statuses)), leaveTickets];
  await killWhen(() => acks.length >= 120 && tickets.length >= 3 && downIds.every((id) => acks.some((a) => a.conversationId === id)));
  await Promise.all(load);
  expect(statuses.filter((s) => s !== 200)).toEqual([]); // the down channel never turned into an error for the seller

  const downOutbox = inspect((db) => {
    // Every acknowledged turn: the incoming activity and the bot's replies are in the transcript …
    for (const ack of acks) {
      const lines = transcriptOf(db, ack.conversationId);
      expect(lines.some((a) => a.id === ack.activityId && a.text === ack.text)).toBe(true);
      expect(lines.some((a) => a.from?.role === 'bot' && a.replyToId === ack.activityId)).toBe(true);
    }
    // … exactly the replies the channel received during those turns …
    for (const id of upIds) {
      const acked = new Set(acks.filter((a) => a.conversationId === id).map((a) => a.activityId));
      const logged = transcriptOf(db, id).filter((a) => a.from?.role === 'bot' && a.type === 'message' && acked.has(a.replyToId ?? ''));
      // At-least-once: an attempt that timed out on a loaded machine is sent again with the same id.
      const received = onceEach(up.messages(id)).filter((a) => acked.has(a.replyToId ?? ''));
      expect(received.map((a) => a.text)).toEqual(logged.map((a) => a.text));
    }
    // … the conversation state of every conversation that was answered …
    const keys = new Set(db.prepare<[], string>('SELECT key FROM storage').pluck().all());
    for (const id of new Set([...acks.map((a) => a.conversationId), 'dialog'])) {
      expect([...keys].some((key) => key.startsWith(`test/conversations/${id}/`))).toBe(true);
    }
    // … every ticket left …
    const open = db.prepare<[], { conversation_id: string; text: string }>(`SELECT conversation_id, text FROM handoff_tickets WHERE status = 'open'`).all();
    for (const t of tickets) expect(open).toContainEqual({ conversation_id: t.conversationId, text: t.text });
    // … and, for the conversations whose channel was down, every reply is waiting in the outbox, in order.
    const outbox = new Map<string, string[]>();
    for (const id of downIds) {
      const acked = new Set(acks.filter((a) => a.conversationId === id).map((a) => a.activityId));
      const rows = db
        .prepare<[string], { activity: string; status: string }>('SELECT activity, status FROM outbox_messages WHERE conversation_id = ? ORDER BY id')
        .all(id)
        .map((r) => ({ ...(JSON.parse(r.activity) as ReceivedActivity), status: r.status }));
      const logged = transcriptOf(db, id).filter((a) => a.from?.role === 'bot' && a.type === 'message' && acked.has(a.replyToId ?? ''));
      expect(rows.filter((r) => acked.has(String(r.replyToId))).map((r) => r.text)).toEqual(logged.map((a) => a.text));
      expect(rows.every((r) => r.status === 'pending')).toBe(true);
      outbox.set(id, rows.map((r) => r.text ?? ''));
    }
    return outbox;
  });
  expect(downIds.map((id) => down.messages(id).length)).toEqual(downIds.map(() => 0));

  // ---- run 2: open as usual --------------------------------------------------------------------------
  bot = await spawnBot(dataDir, ENV);
  url = bot.url;
  const restarted = { url };
  // The outbox resumes by itself once the channel answers: each message once, in order.
  down.mode = 'up';
  await until(() => downIds.every((id) => down.messages(id).length >= downOutbox.get(id)!.length), 10000, 'the outbox to drain');
  await sleep(300);
  for (const id of downIds) expect(down.texts(id)).toEqual(downOutbox.get(id));
  // The tickets are there for the agents; the dialog goes on where it was.
  const { tickets: ticketsAfter } = await queue(restarted);
  for (const t of tickets) expect(ticketsAfter).toContainEqual(expect.objectContaining({ conversationId: t.conversationId, text: t.text }));
  expect((await post(url, '/api/messages', message('dialog', '네', { serviceUrl: up.url }))).status).toBe(200);
  expect(up.texts('dialog').at(-1)).toContain(ko('delete_product.resolved').split('\n')[0]);

  // Sellers queue, two chat with an agent (one of them on a channel that is down again), others chat with the bot.
  down.mode = 'down';
  const waiting: string[] = [];
  const agentMessages: { conversationId: string; text: string; status: number; messageId: number }[] = [];
  for (const id of ['chat-up', 'chat-down']) {
    const channel = id === 'chat-up' ? up : down;
    expect((await post(url, '/api/messages', message(id, '상담사', { serviceUrl: channel.url }))).status).toBe(200);
    expect((await accept(restarted, MINJI, id)).status).toBe(200);
  }
  const acks2: Ack[] = [];
  const statuses2: number[] = [];
  const queueing = (async () => {
    for (let i = 0; ; i++) {
      try {
        if ((await post(url, '/api/messages', message(`wait-${i}`, '상담사 연결해 주세요', { serviceUrl: up.url }))).status !== 200) return;
      } catch {
        return;
      }
      waiting.push(`wait-${i}`);
    }
  })();
  const agent = (async () => {
    for (let i = 0; ; i++) {
      for (const id of ['chat-up', 'chat-down']) {
        const text = `${id} 답변 ${i}`;
        try {
          const res = await sendAsAgent(restarted, MINJI, id, text);
          if (res.status !== 200 && res.status !== 502) return;
          agentMessages.push({ conversationId: id, text, status: res.status, messageId: res.body.messageId });
        } catch {
          return;
        }
      }
    }
  })();
  const load2 = [...upIds.slice(0, 6).map((id) => chatter(url, id, up, 2, acks2, statuses2)), queueing, agent];
  await killWhen(() => acks2.length >= 40 && waiting.length >= 3 && agentMessages.length >= 6);
  await Promise.all(load2);
  expect(statuses2.filter((s) => s !== 200)).toEqual([]);
  // On the channel that works the agent's messages were delivered (200); on the down one kept (502).
  expect(new Set(agentMessages.filter((m) => m.conversationId === 'chat-up').map((m) => m.status))).toEqual(new Set([200]));
  expect(new Set(agentMessages.filter((m) => m.conversationId === 'chat-down').map((m) => m.status))).toEqual(new Set([502]));

  inspect((db) => {
    const sessions = db.prepare<[], { conversation_id: string; status: string; agent: string | null }>(`SELECT conversation_id, status, agent FROM handoff_sessions WHERE status IN ('waiting', 'active')`).all();
    for (const id of waiting) expect(sessions).toContainEqual({ conversation_id: id, status: 'waiting', agent: null });
    for (const id of ['chat-up', 'chat-down']) expect(sessions).toContainEqual({ conversation_id: id, status: 'active', agent: MINJI.name });
    const stored = db.prepare<[], { id: number; text: string; delivered: number }>('SELECT id, text, delivered FROM handoff_agent_messages').all();
    for (const m of agentMessages) expect(stored).toContainEqual({ id: m.messageId, text: m.text, delivered: m.status === 200 ? 1 : 0 });
    for (const ack of acks2) expect(transcriptOf(db, ack.conversationId).some((a) => a.id === ack.activityId)).toBe(true);
  });

  // ---- run 3 -----------------------------------------------------------------------------------------
  bot = await spawnBot(dataDir, ENV);
  const third = { url: bot.url };
  const q = await queue(third);
  for (const id of waiting) expect(q.waiting).toContainEqual(expect.objectContaining({ conversationId: id }));
  expect(q.active.map((e: { conversationId: string }) => e.conversationId).sort()).toEqual(['chat-down', 'chat-up']);
  expect(q.active.find((e: { conversationId: string }) => e.conversationId === 'chat-down')?.undelivered).toBeGreaterThanOrEqual(1);
  // The agent's kept messages reach the seller once the channel is back: once each, in order.
  const prefix = ko('handoff.agent_prefix', { agent: MINJI.name });
  const kept = agentMessages.filter((m) => m.conversationId === 'chat-down').map((m) => `${prefix} ${m.text}`);
  down.mode = 'up';
  await until(() => down.texts('chat-down').filter((t) => t.startsWith(prefix)).length >= kept.length, 10000, "the agent's kept messages");
  await sleep(300);
  const arrived = down.texts('chat-down').filter((t) => t.startsWith(prefix));
  // (An attempt in flight at the kill may have reached the channel before: at-least-once, never out of order.)
  expect(arrived.filter((t, i) => arrived.indexOf(t) === i).slice(0, kept.length)).toEqual(kept);
  const transcript = await api(third, 'GET', conversationPath('chat-down', 'transcript'), { token: MINJI.token });
  const agentEntries = transcript.body.messages.filter((m: { role: string }) => m.role === 'agent');
  expect(agentEntries.map((m: { text: string }) => m.text)).toEqual(expect.arrayContaining(agentMessages.filter((m) => m.conversationId === 'chat-down').map((m) => m.text)));
  expect(agentEntries.every((m: { delivered: boolean }) => m.delivered)).toBe(true);
  // And the chat goes on.
  expect((await sendAsAgent(third, MINJI, 'chat-up', '재시작 후에도 들려요?')).status).toBe(200);
  expect(up.texts('chat-up').at(-1)).toBe(`${prefix} 재시작 후에도 들려요?`);
  await bot.kill('SIGTERM');
  const outboxed = [...downOutbox.values()].reduce((n, texts) => n + texts.length, 0);
  process.stdout.write(
    `sigkill: run 1 ${acks.length} turns, ${tickets.length} tickets, ${outboxed} outbox replies; run 2 ${acks2.length} turns, ${waiting.length} queued, ${agentMessages.length} agent messages (${kept.length} kept)\n`,
  );
}, 90000);
