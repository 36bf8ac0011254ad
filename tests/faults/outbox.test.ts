// The durable outbox: while the seller's channel is down (503) or too slow, replies and agent messages stay
// stored and are retried with backoff; the incoming requests are still answered 200; agents see what is
// undelivered; once the channel is back every message arrives once, in order, per conversation.
import { loadKnowledge } from '../../knowledge';
import { AGENT_TOKENS, EventStream, JUNHO, MINJI, Seller, accept, api, conversationPath, sendAsAgent } from '../handoff/helpers';
import { ChannelServer, type ReceivedActivity } from '../support/channelServer';
import { type RunningBot, message, post, startBot } from '../support/botServer';

const k = loadKnowledge();
const prefix = (agent: { name: string }) => k.text('handoff.agent_prefix', 'ko', { agent: agent.name });

let bot: RunningBot;
let channel: ChannelServer;
// Short time-outs and retries keep the outage short; the rest is the default configuration.
const ENV = { AGENT_TOKENS, CHANNEL_TIMEOUT_MS: '400', OUTBOX_RETRY_BASE_MS: '100', OUTBOX_RETRY_MAX_MS: '400', FALLBACK_HANDOFF_AFTER: '0' };

beforeAll(async () => {
  channel = new ChannelServer();
  await channel.start();
  bot = await startBot(ENV);
}, 60000);

afterAll(async () => {
  await bot?.stop();
  await channel?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Text and reply target of what the bot logged as sent (the transcript), oldest first. */
async function sentByBot(conversationId: string): Promise<string[]> {
  return (await bot.app.transcripts.getRecentActivities('test', conversationId, 1000))
    .filter((a) => a.type === 'message' && a.from?.role === 'bot')
    .map((a) => a.text ?? '');
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

test('channel down: seller turns and agent messages are kept, retried, then arrive once each, in order', async () => {
  const a = new Seller(bot, channel, 'outage-a');
  const b = new Seller(bot, channel, 'outage-b');
  const chat = new Seller(bot, channel, 'outage-chat');
  const late = new Seller(bot, channel, 'outage-late');
  expect(await a.say('안녕하세요')).not.toEqual([]);
  await chat.say('상담사');
  expect((await accept(bot, MINJI, 'outage-chat')).status).toBe(200);
  const events = await EventStream.open(bot, { authorization: `Bearer ${MINJI.token}` });
  const before = { a: a.texts().length, b: b.texts().length, chat: chat.texts().length, late: late.texts().length };

  channel.mode = 'down';
  const statuses: number[] = [];
  const agentMessages: { res: Awaited<ReturnType<typeof sendAsAgent>>; text: string; agent: typeof MINJI }[] = [];
  const turnMs: number[] = [];
  const sellerTurn = async (seller: string, text: string) => {
    const started = performance.now();
    statuses.push((await post(bot.url, '/api/messages', message(seller, text, { serviceUrl: channel.url }))).status);
    turnMs.push(performance.now() - started);
  };
  const agentSays = async (agent: typeof MINJI, id: string, text: string) => agentMessages.push({ res: await sendAsAgent(bot, agent, id, text), text, agent });
  try {
    // Several conversations at once, several turns each; in the live chat the agent writes three times.
    await Promise.all([
      (async () => {
        for (const text of ['상품 삭제 어떻게 해요?', '해결됐어요', '운영 시간 알려주세요']) await sellerTurn('outage-a', text);
      })(),
      (async () => {
        for (const text of ['안녕하세요', '삭제한 상품 복구할 수 있나요?']) await sellerTurn('outage-b', text);
      })(),
      (async () => {
        await sellerTurn('outage-chat', '상품번호 1234567890이에요');
        for (const text of ['확인해 볼게요', '잠시만요', '삭제 처리했어요']) await agentSays(MINJI, 'outage-chat', text);
      })(),
      (async () => {
        // A seller who asks for an agent during the outage, accepted during the outage too.
        await sellerTurn('outage-late', '상담사 연결해 주세요');
        expect((await accept(bot, JUNHO, 'outage-late')).body.notified).toBe(false);
        await agentSays(JUNHO, 'outage-late', '안녕하세요, 준호입니다');
      })(),
    ]);
    // The requests were all acknowledged: a 5xx would make a real channel resend (and duplicate) the turn.
    expect(statuses).toEqual(Array(statuses.length).fill(200));
    // … and promptly: a turn waits for the dead channel once (CHANNEL_TIMEOUT_MS), not once per reply.
    process.stdout.write(`outage turns: ${turnMs.map((ms) => Math.round(ms)).join(', ')} ms\n`);
    expect(Math.max(...turnMs)).toBeLessThan(2 * 400 + 300);
    // The agent API keeps its contract: 502 JSON, not delivered, the message kept.
    for (const { res } of agentMessages) {
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ code: 'SellerUnreachable', delivered: false, messageId: expect.any(Number) });
    }
    // The agent sees what is still undelivered: the transcript and the queue say so.
    const transcript = await api(bot, 'GET', conversationPath('outage-chat', 'transcript'), { token: MINJI.token });
    const agentEntries = transcript.body.messages.filter((m: { role: string }) => m.role === 'agent');
    expect(agentEntries.map((m: { text: string; delivered: boolean }) => [m.text, m.delivered])).toEqual([
      ['확인해 볼게요', false],
      ['잠시만요', false],
      ['삭제 처리했어요', false],
    ]);
    const lateTranscript = await api(bot, 'GET', conversationPath('outage-late', 'transcript'), { token: JUNHO.token });
    expect(lateTranscript.body.messages.filter((m: { role: string; delivered?: boolean }) => m.role === 'bot' && m.delivered === false).length).toBeGreaterThan(0);
    const q = await api(bot, 'GET', '/api/agent/queue', { token: MINJI.token });
    expect(q.body.active).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ conversationId: 'outage-chat', undelivered: 3 }),
        expect.objectContaining({ conversationId: 'outage-late', undelivered: expect.any(Number) }),
      ]),
    );
    // The outage lasts several retries; nothing gets through meanwhile.
    await sleep(1200);
    expect(a.texts().length).toBe(before.a);
    expect(b.texts().length).toBe(before.b);
    expect(chat.texts().length).toBe(before.chat);
    expect(late.texts().length).toBe(before.late);
    expect((await bot.app.outbox.pendingCounts()).get('outage-a')).toBeGreaterThanOrEqual(3);
  } finally {
    channel.mode = 'up';
  }

  // Back up: the background retries deliver everything, without any new request.
  await until(async () => (await bot.app.outbox.pendingCounts()).size === 0, 10000, 'the outbox to empty');
  for (const id of ['outage-a', 'outage-b', 'outage-chat', 'outage-late']) {
    // Exactly what the bot sent (in the transcript's order), each once.
    const expected = await sentByBot(id);
    const withAgents = channel.texts(id);
    const botOnly = withAgents.filter((t) => !t.startsWith('['));
    expect(botOnly).toEqual(expected.filter((t) => !t.startsWith('[')));
    const ids = (channel.received.get(id) ?? []).map((r: ReceivedActivity) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  }
  // The bot's answers for one seller came in the order of the turns that sent them.
  expect(a.texts().slice(before.a).length).toBeGreaterThanOrEqual(3);
  // The agents' messages arrived in order, after the seller's own earlier replies, once each.
  expect(chat.texts().slice(before.chat)).toEqual([`${prefix(MINJI)} 확인해 볼게요`, `${prefix(MINJI)} 잠시만요`, `${prefix(MINJI)} 삭제 처리했어요`]);
  const lateTexts = late.texts().slice(before.late);
  expect(lateTexts.slice(-2)).toEqual([k.text('handoff.agent_joined', 'ko', { agent: JUNHO.name }), `${prefix(JUNHO)} 안녕하세요, 준호입니다`]);
  expect(lateTexts[0]).toBe((await sentByBot('outage-late'))[0]); // the queue notice first, then the agent

  // Agents are told each late delivery (same event as a new message, now delivered: true) …
  for (const text of ['확인해 볼게요', '잠시만요', '삭제 처리했어요']) {
    const told = () => events.events.some((e) => e.event === 'message' && e.data.role === 'agent' && e.data.text === text && e.data.delivered === true);
    await until(told, 5000, `the agent to be told "${text}" was delivered`);
  }
  await events.close();
  // … and the transcript and queue no longer flag anything.
  const after = await api(bot, 'GET', conversationPath('outage-chat', 'transcript'), { token: MINJI.token });
  expect(after.body.messages.filter((m: { delivered?: boolean }) => m.delivered === false)).toEqual([]);
  const q = await api(bot, 'GET', '/api/agent/queue', { token: MINJI.token });
  expect(q.body.active.filter((e: { undelivered?: number }) => e.undelivered)).toEqual([]);
}, 30000);

test('a new message never overtakes an undelivered one: it waits, then both go in order', async () => {
  const seller = new Seller(bot, channel, 'order');
  await seller.say('상담사');
  expect((await accept(bot, MINJI, 'order')).status).toBe(200);
  const before = seller.texts().length;
  channel.mode = 'down';
  try {
    expect((await sendAsAgent(bot, MINJI, 'order', '첫 번째')).status).toBe(502);
  } finally {
    channel.mode = 'up';
  }
  // Sent at once after the channel is back, before any retry is due: the first still goes first.
  expect((await sendAsAgent(bot, MINJI, 'order', '두 번째')).status).toBe(200);
  expect(seller.texts().slice(before)).toEqual([`${prefix(MINJI)} 첫 번째`, `${prefix(MINJI)} 두 번째`]);
});

test('a slow channel: the turn is not held; attempts that time out are repeated with the same activity id', async () => {
  const seller = new Seller(bot, channel, 'slow');
  channel.mode = 'slow';
  channel.slowMs = 700; // longer than CHANNEL_TIMEOUT_MS (400): every attempt times out, yet the channel keeps it
  const started = Date.now();
  let status: number;
  try {
    status = (await post(bot.url, '/api/messages', message('slow', '상품 삭제 어떻게 해요?', { serviceUrl: channel.url }))).status;
    expect(Date.now() - started).toBeLessThan(2000);
    await sleep(900);
  } finally {
    channel.mode = 'up';
  }
  expect(status).toBe(200);
  await until(async () => (await bot.app.outbox.pendingCounts()).size === 0, 10000, 'the outbox to empty');
  await sleep(800); // attempts the slow channel was still holding land too
  // At-least-once: a repeat carries the id of the first copy, so the channel can drop it.
  const received = channel.received.get('slow') ?? [];
  const firstCopies = received.filter((r, i) => received.findIndex((x) => x.id === r.id) === i);
  expect(firstCopies.map((r) => r.text)).toEqual(await sentByBot('slow'));
  expect(received.length).toBeGreaterThanOrEqual(firstCopies.length);
  expect(seller.texts().length).toBeGreaterThan(0);
});
