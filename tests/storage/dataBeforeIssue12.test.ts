// A data directory made by the code before issue 12 (tests/fixtures/before-issue-12, made by the
// make-fixture.js beside it at that commit: one emulator seller waiting for an agent) opens unchanged:
// conversation references gain their channel in place, and the agent reaches the seller through them.
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRows } from '../support/readRows';
import { type RunningBot, message, post, startBot } from '../support/botServer';
import { AGENT_TOKENS, MINJI, accept, api, conversationPath, queue } from '../handoff/helpers';

const FIXTURE = join(__dirname, '..', 'fixtures', 'before-issue-12', 'bot.sqlite');
let bot: RunningBot;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bot-before-12-'));
  copyFileSync(FIXTURE, join(dataDir, 'bot.sqlite'));
  bot = await startBot({ AGENT_TOKENS, CHANNEL_TIMEOUT_MS: '200' }, { dataDir });
});

afterAll(async () => {
  await bot?.stop();
});

const read = <T>(sql: string): T[] => readRows<T>(bot.dataDir, sql);

test('the references table is keyed by channel now, and the old row got its channel', () => {
  expect(read("SELECT name FROM migrations WHERE name LIKE 'conversation-references/%' ORDER BY name")).toEqual([
    { name: 'conversation-references/001-create' },
    { name: 'conversation-references/002-channel-key' },
    { name: 'conversation-references/003-owning-channel' },
  ]);
  // Owned by the Bot Framework channel (bot/channels): its serviceUrl is not one the built-in web chat issued.
  expect(read('SELECT channel_id, conversation_id, service_origin, channel FROM conversation_references')).toEqual([
    { channel_id: 'emulator', conversation_id: 'legacy-1', service_origin: 'http://127.0.0.1:9', channel: 'botframework' },
  ]);
});

test('the waiting seller is still in the queue; accepting reaches them through the migrated reference', async () => {
  expect((await queue(bot)).waiting).toEqual([expect.objectContaining({ conversationId: 'legacy-1', channelId: 'emulator' })]);
  const pendingBefore = read<{ n: number }>("SELECT COUNT(*) AS n FROM outbox_messages WHERE conversation_id = 'legacy-1' AND status = 'pending'")[0]!.n;
  const accepted = await accept(bot, MINJI, 'legacy-1');
  expect(accepted.status).toBe(200);
  // The fixture's channel (port 9) is not there: the "agent joined" message is kept for it, addressed by the old reference.
  // Rows of before the channel port became Bot Framework rows addressed by their serviceUrl, like the new one.
  const rows = read<{ service_url: string; channel_id: string; channel: string }>(
    "SELECT json_extract(address, '$.serviceUrl') AS service_url, channel_id, channel FROM outbox_messages WHERE conversation_id = 'legacy-1' AND status = 'pending' ORDER BY id",
  );
  expect(rows.length).toBe(pendingBefore + 1);
  for (const row of rows) expect(row).toEqual({ service_url: 'http://127.0.0.1:9/', channel_id: 'emulator', channel: 'botframework' });
});

test('the seller goes on from the same channel; nobody else can take the conversation', async () => {
  const say = (text: string, serviceUrl: string) =>
    post(bot.url, '/api/messages', message('legacy-1', text, { channelId: 'emulator', serviceUrl, from: { id: 'seller-legacy', role: 'user' } }));
  expect((await say('상품번호는 12345678이에요', 'http://127.0.0.1:9/')).status).toBe(200);
  expect((await say('taken over', 'http://127.0.0.1:10/')).status).toBe(200);
  const transcript = await api(bot, 'GET', conversationPath('legacy-1', 'transcript'), { token: MINJI.token });
  const texts = transcript.body.messages.map((m: { text: string }) => m.text);
  expect(texts).toContain('상품번호는 12345678이에요');
  expect(texts).not.toContain('taken over');
});
