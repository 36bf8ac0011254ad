// A data directory made by the code before the channel port (tests/fixtures/webchat-before-port, made by
// the make-fixture.js beside it: a web chat seller in a live chat with 민지, the conversation's reference
// and an undelivered reply stored with the web chat's loopback serviceUrl of that run) opens unchanged:
// both are the web chat's now, the reply arrives, and the agent reaches the seller.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenSigner } from '../../bot/webchat/tokens';
import { readRows } from '../support/readRows';
import { type RunningBot, startBot } from '../support/botServer';
import { AGENT_TOKENS, MINJI, api, conversationPath } from '../handoff/helpers';
import { DirectLineClient } from '../webchat/directLineClient';

const FIXTURE = join(__dirname, '..', 'fixtures', 'webchat-before-port');
const SECRET = 'fixture-webchat-secret-0123456789';
const { conversationId, userId } = JSON.parse(readFileSync(join(FIXTURE, 'conversation.json'), 'utf8')) as { conversationId: string; userId: string };
let bot: RunningBot;
let seller: DirectLineClient;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bot-before-port-'));
  copyFileSync(join(FIXTURE, 'bot.sqlite'), join(dataDir, 'bot.sqlite'));
  bot = await startBot({ AGENT_TOKENS, LOCAL_WEBCHAT_SECRET: SECRET }, { dataDir });
  seller = new DirectLineClient(bot.url, new TokenSigner(SECRET, () => new Date()).sign(conversationId, userId).token, conversationId);
});

afterAll(async () => {
  await bot?.stop();
});

const read = <T>(sql: string): T[] => readRows<T>(bot.dataDir, sql);

test('the stored reference is owned by the web chat channel; the reply left undelivered arrives in the feed', async () => {
  expect(read('SELECT channel_id, conversation_id, channel FROM conversation_references')).toEqual([
    { channel_id: 'webchat', conversation_id: conversationId, channel: 'webchat' },
  ]);
  await seller.until((list) => list.some((a) => a.text === '[상담사 민지] 재시작 전에 보낸 메시지'));
  expect(read("SELECT COUNT(*) AS n FROM outbox_messages WHERE status = 'pending'")).toEqual([{ n: 0 }]);
});

test('the agent reaches the seller through the migrated reference, and the seller writes back', async () => {
  const sent = await api(bot, 'POST', conversationPath(conversationId, 'messages'), { token: MINJI.token, body: { text: '재시작 후에도 연결되어 있어요' } });
  expect(sent.status).toBe(200);
  expect(sent.body.delivered).toBe(true);
  await seller.until((list) => list.some((a) => a.text?.endsWith('재시작 후에도 연결되어 있어요') === true));
  const id = await seller.say('감사합니다');
  expect(id).toContain(conversationId);
  const transcript = await api(bot, 'GET', conversationPath(conversationId, 'transcript'), { token: MINJI.token });
  expect(transcript.body.messages.map((m: { text: string }) => m.text)).toContain('감사합니다');
});
