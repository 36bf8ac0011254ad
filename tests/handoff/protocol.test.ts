// HANDOFF_MODE=protocol: the standard handoff.initiate event with the transcript, in local mode (no
// credentials), where the generated agent token is the way in and a spoofed handoff.status is ignored.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKnowledge } from '../../knowledge';
import { ChannelServer } from '../support/channelServer';
import { message, post } from '../support/botServer';
import { Seller, type SpawnedBot, api, queue, spawnBot } from './helpers';

const k = loadKnowledge();
let bot: SpawnedBot;
let channel: ChannelServer;
let dataDir: string;
let token: string;

// The real process (bot/index.ts): local mode exactly as a newcomer starts it.
beforeAll(async () => {
  channel = new ChannelServer();
  await channel.start();
  dataDir = mkdtempSync(join(tmpdir(), 'bot-protocol-'));
  bot = await spawnBot(dataDir, { HANDOFF_MODE: 'protocol' });
  token = readFileSync(join(dataDir, 'agent-token'), 'utf8').trim().split(':')[1];
}, 40000);
afterAll(async () => {
  await bot?.stop();
  await channel?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('local mode: one agent token generated under DATA_DIR is the only way in', async () => {
  expect(token.length).toBeGreaterThanOrEqual(24);
  expect((await api(bot, 'GET', '/api/agent/queue', { token })).status).toBe(200);
  expect((await api(bot, 'GET', '/api/agent/queue', { token: `${token}x` })).status).toBe(401);
});

test('handoff.initiate carries the transcript; a spoofed handoff.status on the local path is ignored', async () => {
  const agent = { token };
  const seller = new Seller(bot, channel, 'protocol-seller');
  await seller.say('상품 삭제 어떻게 해요?');
  const replies = await seller.say('상담사 연결해 주세요');
  expect(replies[0]).toMatch(/^상담사에게 연결하고 있어요/);
  expect(replies[0]).toContain(k.text('handoff.invite_details', 'ko'));

  const [waiting] = (await queue(bot, agent)).waiting;
  const initiate = (channel.received.get('protocol-seller') ?? []).find((a) => a.type === 'event' && a.name === 'handoff.initiate');
  expect(initiate).toBeDefined();
  expect(initiate!.value).toMatchObject({ reason: 'requested', language: 'ko', caseNumber: waiting.caseNumber });
  const attachment = (initiate!.attachments as { contentType: string; name: string; content: { activities: { text?: string }[] } }[])[0];
  expect(attachment).toMatchObject({ contentType: 'application/json', name: 'Transcript' });
  const texts = attachment.content.activities.map((a) => a.text);
  expect(texts).toEqual(expect.arrayContaining(['상품 삭제 어떻게 해요?', k.text('delete_product.ask_resolved', 'ko'), '상담사 연결해 주세요']));

  const before = seller.texts().length;
  for (const state of ['accepted', 'completed', 'failed']) {
    const spoof = message('protocol-seller', '', { type: 'event', name: 'handoff.status', value: { state }, serviceUrl: channel.url, text: undefined });
    expect((await post(bot.url, '/api/messages', spoof)).status).toBe(200);
  }
  expect(seller.texts()).toHaveLength(before);
  const after = await queue(bot, agent);
  expect(after.waiting).toEqual([expect.objectContaining({ conversationId: 'protocol-seller', caseNumber: waiting.caseNumber })]);
  expect(after.active).toEqual([]);
  // and the seller's next message still goes to the agent's transcript, not to the bot
  expect(await seller.say('상품번호 1234567890이에요')).toEqual([k.text('handoff.message_received', 'ko')]);
});

test('the generated agent is "고객센터 상담사" to sellers until they choose a name, once', async () => {
  const agent = { token };
  const seller = new Seller(bot, channel, 'protocol-unnamed');
  await seller.say('상담사 연결해 주세요');
  expect((await api(bot, 'GET', '/api/agent/me', { token })).body).toMatchObject({ agent: '상담사', canChooseName: true });
  expect((await api(bot, 'POST', `/api/agent/conversations/protocol-unnamed/accept`, { token })).status).toBe(200);
  expect(seller.texts().at(-1)).toBe(k.text('handoff.agent_joined_unnamed', 'ko'));
  expect((await api(bot, 'POST', `/api/agent/conversations/protocol-unnamed/messages`, { token, body: { text: '안녕하세요' } })).status).toBe(200);
  expect(seller.texts().at(-1)).toBe(`${k.text('handoff.agent_prefix_unnamed', 'ko')} 안녕하세요`);

  for (const name of ['', 'a:b', '[상담사]', 'x'.repeat(21), '가'.repeat(10_000), null, 7]) {
    expect((await api(bot, 'PUT', '/api/agent/me', { token, body: { name } })).status).toBe(400);
  }
  expect((await api(bot, 'PUT', '/api/agent/me', { token, body: { name: '민지', role: 'admin' } })).status).toBe(400);
  expect((await api(bot, 'PUT', '/api/agent/me', { token, body: '{"name":' })).status).toBe(400);
  // Another page of this host cannot choose the name with the console's cookie.
  const cookie = String((await api(bot, 'POST', '/api/agent/session', { body: { token } })).headers.get('set-cookie')).split(';')[0]!;
  const otherPort = `http://127.0.0.1:${Number(new URL(bot.url).port) + 1}`;
  expect((await api(bot, 'PUT', '/api/agent/me', { headers: { cookie, origin: otherPort }, body: { name: '해커' } })).status).toBe(403);
  expect((await api(bot, 'PUT', '/api/agent/me', { headers: { cookie, 'content-type': 'text/plain' }, body: 'name=해커' })).status).toBe(415);
  expect((await api(bot, 'GET', '/api/agent/me', { token })).body).toMatchObject({ agent: '상담사', canChooseName: true });
  expect((await api(bot, 'PUT', '/api/agent/me', { token, body: { name: ' 민지 ' } })).body).toEqual({ agent: '민지' });
  expect(readFileSync(join(dataDir, 'agent-token'), 'utf8').trim()).toBe(`민지:${token}`);
  expect((await api(bot, 'GET', '/api/agent/me', { token })).body).toMatchObject({ agent: '민지', canChooseName: false });
  expect((await api(bot, 'PUT', '/api/agent/me', { token, body: { name: '준호' } })).status).toBe(409);
  // The live chat follows the new name.
  expect((await api(bot, 'POST', `/api/agent/conversations/protocol-unnamed/messages`, { token, body: { text: '민지예요' } })).status).toBe(200);
  expect(seller.texts().at(-1)).toBe(`${k.text('handoff.agent_prefix', 'ko', { agent: '민지' })} 민지예요`);
  expect((await queue(bot, agent)).active).toEqual([expect.objectContaining({ conversationId: 'protocol-unnamed', agent: '민지' })]);
});
