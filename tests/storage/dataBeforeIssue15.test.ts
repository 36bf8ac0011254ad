// A data directory made by the code before issue 15 (tests/fixtures/before-issue-15/data-dir, made by the
// make-fixture.js beside it at that commit: a seller + agent day) opens unchanged under the migration
// runner: its tables are adopted as schema version 1, and every seller, request, ticket, pending reply,
// console session and web chat conversation in it goes on where it was.
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { readMigrations } from '../../bot/storage/migrations';
import { SQLITE_MIGRATIONS } from '../../bot/storage/sqlite/migrate';
import { type RunningBot, startBot } from '../support/botServer';
import { http } from '../support/http';
import { DirectLineClient } from '../webchat/directLineClient';
import { accept, api, conversationPath, queue, sendAsAgent } from '../handoff/helpers';

const FIXTURE = join(__dirname, '..', 'fixtures', 'before-issue-15', 'data-dir');
const facts = JSON.parse(readFileSync(join(FIXTURE, 'fixture.json'), 'utf8')) as {
  cookie: string;
  webChat: { conversationId: string; token: string; watermark: string; upload: string };
};
const MINJI = { name: '민지', token: 'minji-token-0123456789-abc' };
// Twenty minutes after the fixture's web chat seller asked for an agent: within their token's hour and
// the console session's twelve, in business hours.
const NOW = new Date('2026-11-30T02:30:00Z');
const COUNTED = ['handoff_tickets', 'handoff_agent_sessions', 'webchat_uploads', 'storage'];
let bot: RunningBot;
let countsBefore: Record<string, number>;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bot-before-15-'));
  cpSync(FIXTURE, dataDir, { recursive: true });
  countsBefore = counts(join(dataDir, 'bot.sqlite'));
  bot = await startBot(
    {
      AGENT_TOKENS: `${MINJI.name}:${MINJI.token}`,
      ALLOWED_SERVICE_URLS: 'loopback',
      SUPPORT_HOURS: 'mon-fri 09:00-18:00',
      SUPPORT_TIMEZONE: 'Asia/Seoul',
      CHANNEL_TIMEOUT_MS: '200',
      LOCAL_WEBCHAT: 'true',
    },
    { dataDir, now: () => NOW },
  );
});

afterAll(async () => {
  await bot?.stop();
});

function counts(file: string): Record<string, number> {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return Object.fromEntries(COUNTED.map((table) => [table, (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}

function read<T>(sql: string): T[] {
  const db = new BetterSqlite3(join(bot.dataDir, 'bot.sqlite'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

test('its tables are adopted as schema version 1 (nothing of it ran again) and the later versions ran; the old records are completed', () => {
  const migrations = readMigrations(SQLITE_MIGRATIONS);
  expect(read('SELECT version, name FROM schema_version ORDER BY version')).toEqual(migrations.map(({ version, name }) => ({ version, name })));
  const steps = migrations.flatMap((m) => m.steps.map((step) => step.legacyName)).filter(Boolean);
  expect(read<{ name: string }>('SELECT name FROM migrations ORDER BY applied_at, name').map((r) => r.name)).toEqual(steps);
  // Version 1's records are those the code before the runner wrote.
  expect(read<{ n: number }>("SELECT COUNT(*) AS n FROM migrations WHERE applied_at < '2026-12-03T12:16:00Z'")[0]!.n).toBe(migrations[0]!.steps.length);
});

test('the queue is as the day left it: two waiting, one missed, one offline ticket, replies pending for the channel that was down', async () => {
  const q = await queue(bot, MINJI);
  expect(q.waiting.map((w) => w.conversationId)).toEqual(['day-bf-3', facts.webChat.conversationId]);
  expect(q.waiting[0]).toMatchObject({ channelId: 'emulator', undelivered: 2 });
  expect(q.missed.map((m) => m.conversationId)).toEqual(['day-bf-2']);
  expect(q.tickets).toEqual([expect.objectContaining({ conversationId: 'day-bf-5', text: '상품이 삭제가 안 돼요. 상품번호 87654321' })]);
});

test('the console session signed in that day still signs the agent in', async () => {
  const me = await http(`${bot.url}/api/agent/me`, { headers: { cookie: `agent_session=${facts.cookie}` } });
  expect(me.status).toBe(200);
  expect(me.body.agent).toBe(MINJI.name);
});

test('the closed chat reads as it was: the seller, the bot and the agent in order', async () => {
  const transcript = await api(bot, 'GET', conversationPath('day-bf-1', 'transcript'), { token: MINJI.token });
  expect(transcript.status).toBe(200);
  const lines = transcript.body.messages.map((m: { role: string; text: string }) => `${m.role}: ${m.text}`);
  expect(lines[0]).toBe('seller: 상품 삭제는 어떻게 하나요?');
  const agentAt = lines.indexOf('agent: 안녕하세요, 어떤 상품인가요?');
  expect(agentAt).toBeGreaterThan(0);
  expect(lines.indexOf('seller: 상품번호는 12345678이에요')).toBeGreaterThan(agentAt);
  expect(transcript.body.session).toMatchObject({ status: 'closed', agent: MINJI.name });
});

test('the web chat seller goes on: the photo is served, an agent accepts and the seller reads the agent', async () => {
  const photo = await http(`${bot.url}${facts.webChat.upload}`);
  expect(photo.status).toBe(200);
  expect(photo.headers.get('content-type')).toBe('image/png');
  const web = new DirectLineClient(bot.url, facts.webChat.token, facts.webChat.conversationId);
  web.watermark = facts.webChat.watermark;
  expect((await accept(bot, MINJI, facts.webChat.conversationId)).status).toBe(200);
  expect((await sendAsAgent(bot, MINJI, facts.webChat.conversationId, '사진 확인했어요')).status).toBe(200);
  const texts: string[] = [];
  for (let i = 0; i < 5 && !texts.some((t) => t.includes('사진 확인했어요')); i++) texts.push(...(await web.poll(1)).map((a) => a.text ?? ''));
  expect(texts.some((t) => t.includes('사진 확인했어요'))).toBe(true);
});

test("nothing was lost or duplicated on the way: tables this file does not write to have the fixture's row counts", () => {
  expect(counts(join(bot.dataDir, 'bot.sqlite'))).toEqual(countsBefore);
  expect(Object.values(countsBefore).every((n) => n > 0)).toBe(true);
});
