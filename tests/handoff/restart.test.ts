// Durability: SIGKILL of the real process (bot/index.ts) while one seller waits and another chats with an
// agent loses nothing; after the restart an agent accepts and writes to the seller queued before the crash.
// (A graceful restart on the same DATA_DIR is the last test of relay.test.ts.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChannelServer } from '../support/channelServer';
import { AGENT_TOKENS, JUNHO, MINJI, Seller, type SpawnedBot, accept, api, conversationPath, ko, queue, sendAsAgent, spawnBot, withoutClock } from './helpers';


let channel: ChannelServer;
beforeAll(async () => {
  channel = new ChannelServer();
  await channel.start();
});
afterAll(async () => {
  await channel?.stop();
});

test('SIGKILL while a seller waits and another chats loses nothing', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bot-sigkill-'));
  let running: SpawnedBot | undefined;
  try {
    running = await spawnBot(dataDir, { AGENT_TOKENS });
    const bot = { url: running.url };
    const waiting = new Seller(bot, channel, 'killed-waiting');
    await waiting.say('상품 삭제가 안 돼요');
    await waiting.say('상담사');
    const chatting = new Seller(bot, channel, 'killed-chatting');
    await chatting.say('상담사');
    expect((await accept(bot, MINJI, 'killed-chatting')).status).toBe(200);
    expect((await sendAsAgent(bot, MINJI, 'killed-chatting', '확인 중이에요')).status).toBe(200);
    await chatting.say('상품번호 3333333333이에요');
    const before = await queue(bot);

    running.child.kill('SIGKILL');
    await running.exited;
    running = await spawnBot(dataDir, { AGENT_TOKENS });
    const restarted = { url: running.url };

    expect(withoutClock(await queue(restarted))).toEqual(withoutClock(before));
    // the live chat goes on: the seller's messages still go to the agent, the agent still reaches the seller
    expect(await new Seller(restarted, channel, 'killed-chatting').say('아직 계세요?')).toEqual([]);
    expect((await sendAsAgent(restarted, MINJI, 'killed-chatting', '네, 여기 있어요')).status).toBe(200);
    expect(chatting.texts().at(-1)).toBe(`${ko('handoff.agent_prefix', { agent: MINJI.name })} 네, 여기 있어요`);
    // the seller queued before the crash is accepted and reached
    expect((await accept(restarted, JUNHO, 'killed-waiting')).status).toBe(200);
    expect(waiting.texts().at(-1)).toBe(ko('handoff.agent_joined', { agent: JUNHO.name }));
    const transcript = await api(restarted, 'GET', conversationPath('killed-chatting', 'transcript'), { token: MINJI.token });
    expect(transcript.body.messages.map((m: { role: string; text: string }) => [m.role, m.text])).toEqual(
      expect.arrayContaining([
        ['agent', '확인 중이에요'],
        ['seller', '상품번호 3333333333이에요'],
        ['seller', '아직 계세요?'],
        ['agent', '네, 여기 있어요'],
      ]),
    );
  } finally {
    await running?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60000);
