// Limits and the agent/seller boundary over real HTTP: body size, message length, rate limits per
// conversation (/api/messages), per client (agent sign-in, web chat) behind a trusted proxy, an agent
// writing to a conversation it did not accept, and a seller trying to reach the agent API through the chat.
import { loadKnowledge } from '../../knowledge';
import { AGENT_TOKENS, JUNHO, MINJI, Seller, accept, api, conversationPath, queue, sendAsAgent, withoutClock } from '../handoff/helpers';
import { ChannelServer } from '../support/channelServer';
import { type RunningBot, ask, message, post, startBot } from '../support/botServer';

const k = loadKnowledge();
let bot: RunningBot;
let channel: ChannelServer;

beforeAll(async () => {
  channel = new ChannelServer();
  await channel.start();
  // The test talks to the bot from 127.0.0.1 as if it were a reverse proxy, so X-Forwarded-For names the client.
  bot = await startBot({
    AGENT_TOKENS,
    RATE_LIMIT_PER_MINUTE: '5',
    SIGNIN_RATE_LIMIT_PER_MINUTE: '3',
    TRUSTED_PROXIES: 'loopback',
    MAX_MESSAGE_LENGTH: '100',
    FALLBACK_HANDOFF_AFTER: '0', // an unrecognised line gets an answer, not the queue
  });
}, 60000);

afterAll(async () => {
  await bot?.stop();
  await channel?.stop();
});

describe('/api/messages', () => {
  test('rate limit per conversation: 429 JSON with Retry-After; the turn does not run; other conversations go on', async () => {
    for (let i = 0; i < 5; i++) expect((await ask(bot.url, 'rate-1', `안녕하세요 ${i}`)).length).toBeGreaterThan(0);
    const res = await fetch(`${bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message('rate-1', '한 번 더요', { deliveryMode: 'expectReplies' })),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await res.json()).toMatchObject({ code: 'TooManyRequests', message: expect.any(String), retryAfterSeconds: retryAfter });
    const logged = (await bot.app.transcripts.getRecentActivities('test', 'rate-1', 100)).map((a) => a.text);
    expect(logged).not.toContain('한 번 더요');
    // The same conversation id on another channel, and other conversations, are not affected.
    expect((await ask(bot.url, 'rate-2', '안녕하세요')).length).toBeGreaterThan(0);
    expect((await ask(bot.url, 'rate-1', '안녕하세요', { channelId: 'other-channel' })).length).toBeGreaterThan(0);
  });

  test('a body over BODY_LIMIT_BYTES → 413 JSON', async () => {
    const res = await post(bot.url, '/api/messages', message('big', 'x'.repeat(300 * 1024), { deliveryMode: 'expectReplies' }));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ message: expect.any(String) });
  });

  test('a message over MAX_MESSAGE_LENGTH is read up to the limit, and the seller is told', async () => {
    const replies = await ask(bot.url, 'long', `상품 삭제 어떻게 해요? ${'아'.repeat(500)}`);
    expect(replies).toContain(k.text('message_truncated', 'ko', { max: 100 }));
    expect(replies.length).toBeGreaterThan(1); // and the (truncated) question is still answered
  });
});

describe('agent sign-in and web chat: limits per client address (X-Forwarded-For from a trusted proxy)', () => {
  const signIn = (token: string, client: string) =>
    api(bot, 'POST', '/api/agent/session', { body: { token }, headers: { 'x-forwarded-for': client } });

  test('POST /api/agent/session: every attempt counts; the 4th within the minute → 429, even with the right token', async () => {
    expect((await signIn('wrong-token-000000', '203.0.113.1')).status).toBe(401);
    expect((await signIn('wrong-token-000001', '203.0.113.1')).status).toBe(401);
    expect((await signIn(MINJI.token, '203.0.113.1')).status).toBe(200);
    const limited = await signIn(MINJI.token, '203.0.113.1');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.body).toMatchObject({ code: 'TooManyRequests', message: expect.any(String) });
    expect(limited.headers.get('set-cookie')).toBeNull();
    // Another client behind the same proxy is not affected.
    expect((await signIn(JUNHO.token, '203.0.113.2')).status).toBe(200);
    // A client cannot escape by writing its own X-Forwarded-For in front: the proxy's last entry counts.
    expect((await signIn(MINJI.token, '198.51.100.9, 203.0.113.1')).status).toBe(429);
  });

  test('web chat: new conversations per client address use the same trusted-proxy rule', async () => {
    const generate = (client: string) =>
      fetch(`${bot.url}/v3/directline/tokens/generate`, { method: 'POST', headers: { 'x-forwarded-for': client } });
    for (let i = 0; i < 20; i++) expect((await generate('203.0.113.50')).status).toBe(200);
    const limited = await generate('203.0.113.50');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await generate('203.0.113.51')).status).toBe(200);
  });
});

describe('the boundary between sellers and agents', () => {
  test('an agent cannot write to (or close) a conversation it did not accept', async () => {
    const seller = new Seller(bot, channel, 'boundary-accepted');
    await seller.say('상담사');
    const waiting = new Seller(bot, channel, 'boundary-waiting');
    await waiting.say('상담사');
    expect((await accept(bot, JUNHO, 'boundary-accepted')).status).toBe(200);
    const before = seller.texts().length;
    const foreign = await sendAsAgent(bot, MINJI, 'boundary-accepted', '제가 대신 답할게요');
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatchObject({ code: 'Forbidden' });
    expect((await sendAsAgent(bot, MINJI, 'boundary-waiting', '수락 전에 보내기')).status).toBe(403);
    expect((await sendAsAgent(bot, MINJI, 'never-seen', '아무나')).status).toBe(404);
    expect((await api(bot, 'POST', conversationPath('boundary-accepted', 'close'), { token: MINJI.token })).status).toBe(403);
    expect(seller.texts().length).toBe(before); // nothing reached the seller
    expect(waiting.texts().some((t) => t.includes('수락 전에 보내기'))).toBe(false);
  });

  test('a seller cannot reach the agent API through the chat: text that looks like an API call is just text', async () => {
    const victim = new Seller(bot, channel, 'boundary-victim');
    await victim.say('상담사');
    expect((await accept(bot, MINJI, 'boundary-victim')).status).toBe(200);
    const victimBefore = victim.texts();
    const queueBefore = withoutClock(await queue(bot));
    const transcriptBefore = (await api(bot, 'GET', conversationPath('boundary-victim', 'transcript'), { token: MINJI.token })).body.messages;

    const attempts = [
      `POST /api/agent/conversations/boundary-victim/messages {"text":"hacked"}`,
      `Authorization: Bearer ${MINJI.token}\nPOST /api/agent/conversations/boundary-victim/close`,
      `curl -X POST ${bot.url}/api/agent/conversations/boundary-attacker/accept -H "authorization: Bearer ${JUNHO.token}"`,
      `{"token":"${MINJI.token}"}`,
      '/api/agent/queue',
      '[상담사 민지] 고객님 비밀번호를 알려주세요',
    ];
    // (One conversation per attempt keeps under this bot's low per-conversation rate limit.)
    for (const [i, text] of attempts.entries()) {
      const replies = await new Seller(bot, channel, `boundary-attacker-${i}`).say(text);
      expect(replies.length).toBeGreaterThan(0); // an ordinary answer from the bot, nothing else
    }
    // Activity fields that mean something to the hub, set by the seller: ignored on this unauthenticated path.
    const spoofed = await post(bot.url, '/api/messages', message('boundary-attacker', '메시지', {
      serviceUrl: channel.url,
      channelData: { handoff: { role: 'agent', agent: MINJI.name, messageId: 1 } },
      from: { id: 'agent-minji', name: MINJI.name, role: 'bot' },
    }));
    expect(spoofed.status).toBe(200);
    const statusEvent = await post(bot.url, '/api/messages', {
      ...message('boundary-victim', '', { serviceUrl: channel.url }),
      type: 'event',
      name: 'handoff.status',
      value: { state: 'completed' },
    });
    expect(statusEvent.status).toBeLessThan(300);

    // Nothing changed for the victim, the agents or the queue.
    expect(victim.texts()).toEqual(victimBefore);
    const transcriptAfter = (await api(bot, 'GET', conversationPath('boundary-victim', 'transcript'), { token: MINJI.token })).body;
    expect(transcriptAfter.messages).toEqual(transcriptBefore);
    expect(transcriptAfter.session).toMatchObject({ status: 'active', agent: MINJI.name });
    const queueAfter = withoutClock(await queue(bot));
    expect(queueAfter.active).toEqual(queueBefore.active);
    expect(queueAfter.waiting).toEqual(queueBefore.waiting);
    // The attacker did not become an agent, and was not queued by any of it.
    const entries: { conversationId: string }[] = [...queueAfter.waiting, ...queueAfter.active];
    expect(entries.some((e) => e.conversationId.startsWith('boundary-attacker'))).toBe(false);
    const me = await api(bot, 'GET', '/api/agent/me', { headers: { cookie: 'agent_session=' } });
    expect(me.status).toBe(401);
  });
});
