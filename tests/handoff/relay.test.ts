// The handoff over real HTTP: the seller on the local channel server, agents on the agent API and the
// events stream. One bot for the whole file; every test leaves the queue empty behind it.
import { loadKnowledge } from '../../knowledge';
import { ChannelServer } from '../support/channelServer';
import { type RunningBot, ask, post, startBot, message } from '../support/botServer';
import {
  AGENT_TOKENS,
  EventStream,
  JUNHO,
  MINJI,
  Seller,
  accept,
  api,
  closeAsAgent,
  conversationPath,
  ko,
  queue,
  sendAsAgent,
  withoutClock,
} from './helpers';

const k = loadKnowledge();
const waitKo = (minutes: number) => ko('handoff.wait_minutes', { minutes });
/** The rendered template with `{date}` left open: the rest of the closing summary must match exactly. */
function expectClosedSummary(text: string, agent: string, caseNumber: string) {
  const [before, after] = ko('handoff.closed_summary', { agent, caseNumber, date: '\u0000' }).split('\u0000');
  expect(text.startsWith(before)).toBe(true);
  expect(text.endsWith(after)).toBe(true);
  expect(text.slice(before.length, text.length - after.length)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} \(Asia\/Seoul\)$/);
}

let bot: RunningBot;
let channel: ChannelServer;
// A short channel time-out keeps the "channel down" case quick (the connector retries a 503 for seconds).
// The 401 test probes every endpoint with bad credentials, more than the guessing budget per address
// allows (that limit has its own test in tests/security/abuse.test.ts).
const ENV = { AGENT_TOKENS, CHANNEL_TIMEOUT_MS: '1500', SIGNIN_RATE_LIMIT_PER_MINUTE: '1000' };

beforeAll(async () => {
  channel = new ChannelServer();
  await channel.start();
  bot = await startBot(ENV);
});

afterAll(async () => {
  await bot?.stop();
  await channel?.stop();
});

// A conversation id that needs URL encoding in the agent API (slash, space, pipe, plus) and is not
// Latin-1 (Hangul), which an HTTP header cannot carry: botbuilder's replyToActivity puts the id in one.
const MID_DIALOG = 'mid-dialog/판매자 1|web+a';

test('asking for an agent mid-dialog queues at once; details go to the agent, not the bot', async () => {
  const seller = new Seller(bot, channel, MID_DIALOG);
  expect(await seller.say('상품 삭제 어떻게 해요?')).toContain(ko('delete_product.ask_resolved'));

  const replies = await seller.say('상담사 연결해 주세요');
  // One message. Nobody has the console open: said honestly, with the alternatives and no minutes estimate.
  expect(replies).toHaveLength(1);
  expect(replies[0].startsWith(ko('handoff.queued_no_agents', { position: '첫 번째' }))).toBe(true);
  expect(replies[0]).not.toContain(waitKo(5));
  expect(replies[0]).toContain(k.channels.find((c) => c.id === 'inquiry')!.name.ko);
  expect(replies[0]).toContain(ko('handoff.invite_details'));
  expect(replies[0]).toContain(ko('handoff.leave_hint'));

  const { waiting, active } = await queue(bot);
  expect(active).toEqual([]);
  expect(waiting).toEqual([expect.objectContaining({ conversationId: MID_DIALOG, position: 1, reason: 'requested', language: 'ko' })]);
  expect(new Date(waiting[0].waitingSince).toISOString()).toBe(waiting[0].waitingSince);
  expect(waiting[0].summary).toContain(k.menu.find((m) => m.intent === 'delete_product')!.label.ko);

  // What the seller writes while waiting is for the agent: one short ack, then silence.
  expect(await seller.say('상품번호 1234567890 삭제 버튼이 안 눌려요')).toEqual([ko('handoff.message_received')]);
  const screenshot = { contentType: 'image/png', contentUrl: 'http://127.0.0.1:1/screenshot.png', name: 'screenshot.png' };
  expect(await seller.say('', { attachments: [screenshot] })).toEqual([]);
  expect(await seller.say('상담사')).toEqual([ko('handoff.already_waiting', { position: '첫 번째' })]);

  const [entry] = (await queue(bot)).waiting;
  expect(entry.productNumber).toBe('1234567890');
  expect(entry.summary).toContain('상품번호 1234567890');
  expect(entry.summary).toContain('첨부 1개');
});

test('accept, relay both ways, close with a summary, then the bot answers again', async () => {
  const seller = new Seller(bot, channel, MID_DIALOG);
  const events = await EventStream.open(bot, { authorization: `Bearer ${MINJI.token}` });
  try {
    const accepted = await accept(bot, MINJI, MID_DIALOG);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ conversationId: MID_DIALOG, agent: MINJI.name, language: 'ko', notified: true });
    const caseNumber: string = accepted.body.caseNumber;
    expect(seller.texts().at(-1)).toBe(ko('handoff.agent_joined', { agent: MINJI.name }));
    expect((await queue(bot)).active).toEqual([expect.objectContaining({ conversationId: MID_DIALOG, agent: MINJI.name })]);

    // agent → seller: prefixed with the agent's name, and from.name set for channels that show it
    const sent = await sendAsAgent(bot, MINJI, MID_DIALOG, '안녕하세요, 상품번호 확인해 볼게요.');
    expect(sent.status).toBe(200);
    expect(sent.body.delivered).toBe(true);
    const delivered = channel.messages(MID_DIALOG).at(-1)!;
    expect(delivered.text).toBe(`${ko('handoff.agent_prefix', { agent: MINJI.name })} 안녕하세요, 상품번호 확인해 볼게요.`);
    expect(delivered.from?.name).toBe(MINJI.name);

    // seller → agent: live on the events stream, no bot answer ("취소" too: it may be about an order)
    const xss = '<img src=x onerror=alert(1)><script>alert("x")</script> 주문 취소랑 관련 있어요';
    const relayed = events.next((e) => e.event === 'message' && e.data.role === 'seller' && e.data.text === xss);
    expect(await seller.say(xss)).toEqual([]);
    expect((await relayed).data).toMatchObject({ conversationId: MID_DIALOG, role: 'seller', text: xss });
    expect(await seller.say('취소')).toEqual([]);
    // a seller's line dressed up as the agent's message (channelData) stays the seller's line
    const spoof = { handoff: { role: 'agent', agent: MINJI.name, messageId: sent.body.messageId } };
    expect(await seller.say('가짜 상담사 메시지', { channelData: spoof })).toEqual([]);

    // the transcript: seller, bot and agent, with the seller's text as plain JSON strings
    const transcript = await api(bot, 'GET', conversationPath(MID_DIALOG, 'transcript'), { token: MINJI.token });
    expect(transcript.status).toBe(200);
    const messages: { role: string; text: string; timestamp: string; attachments?: unknown[] }[] = transcript.body.messages;
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ role: 'seller', text: '상품 삭제 어떻게 해요?' }),
        expect.objectContaining({ role: 'bot', text: ko('delete_product.ask_resolved') }),
        expect.objectContaining({ role: 'bot', text: ko('handoff.agent_joined', { agent: MINJI.name }) }),
        expect.objectContaining({ role: 'agent', text: '안녕하세요, 상품번호 확인해 볼게요.', delivered: true }),
        expect.objectContaining({ role: 'seller', text: xss }),
      ]),
    );
    expect(messages.filter((m) => m.role === 'agent')).toHaveLength(1); // not also listed as a bot message
    expect(messages).toContainEqual(expect.objectContaining({ role: 'seller', text: '가짜 상담사 메시지' }));
    expect(messages.findIndex((m) => m.role === 'agent')).toBeLessThan(messages.findIndex((m) => m.text === '가짜 상담사 메시지'));
    expect(messages.find((m) => m.attachments)?.attachments).toEqual([expect.objectContaining({ contentType: 'image/png', name: 'screenshot.png' })]);
    expect(messages.every((m) => typeof m.text === 'string' && !Number.isNaN(Date.parse(m.timestamp)))).toBe(true);
    const order = messages.map((m) => m.text);
    expect(order.indexOf('상품 삭제 어떻게 해요?')).toBeLessThan(order.indexOf(xss));

    const closed = events.next((e) => e.event === 'closed' && e.data.conversationId === MID_DIALOG);
    const close = await closeAsAgent(bot, MINJI, MID_DIALOG);
    expect(close.status).toBe(200);
    expect(close.body).toMatchObject({ closed: true, caseNumber, notified: true });
    expect((await closed).data).toMatchObject({ by: 'agent', agent: MINJI.name, caseNumber });
    expectClosedSummary(seller.texts().at(-1)!, MINJI.name, caseNumber);

    // back to the bot
    expect(await seller.say('상품 삭제 어떻게 해요?')).toContain(ko('delete_product.ask_resolved'));
    const after = await queue(bot);
    expect([...after.waiting, ...after.active]).toEqual([]);
  } finally {
    await events.close();
  }
});

test('two agents racing to accept: one 200, one 409; the other one gets 403 on the chat', async () => {
  const seller = new Seller(bot, channel, 'race');
  await seller.say('상담사');
  const [a, b] = await Promise.all([accept(bot, MINJI, 'race'), accept(bot, JUNHO, 'race')]);
  expect([a.status, b.status].sort()).toEqual([200, 409]);
  const [winner, loser, lost] = a.status === 200 ? [MINJI, JUNHO, b] : [JUNHO, MINJI, a];
  expect(lost.body).toMatchObject({ code: 'Conflict', message: expect.any(String) });
  expect(seller.texts().filter((t) => t.startsWith(ko('handoff.agent_joined', { agent: winner.name }).split('\n')[0]))).toHaveLength(1);

  expect((await accept(bot, winner, 'race')).status).toBe(200); // accepting twice is harmless
  const forbidden = await sendAsAgent(bot, loser, 'race', '제가 볼게요');
  expect(forbidden.status).toBe(403);
  expect(forbidden.body).toMatchObject({ code: 'Forbidden' });
  expect(seller.texts()).not.toContain(`${ko('handoff.agent_prefix', { agent: loser.name })} 제가 볼게요`);
  expect((await closeAsAgent(bot, loser, 'race')).status).toBe(403);
  expect((await api(bot, 'GET', conversationPath('race', 'transcript'), { token: loser.token })).status).toBe(200); // reading is fine

  expect((await closeAsAgent(bot, winner, 'race')).status).toBe(200);
  expect((await accept(bot, MINJI, 'race')).status).toBe(404); // no longer waiting
  expect((await accept(bot, MINJI, 'never-seen')).status).toBe(404);
  expect((await sendAsAgent(bot, MINJI, 'never-seen', 'hi')).status).toBe(404);
  expect((await api(bot, 'GET', conversationPath('never-seen', 'transcript'), { token: MINJI.token })).status).toBe(404);
});

test('without valid credentials every agent endpoint answers 401 with JSON; the console signs in with a cookie', async () => {
  const paths: ['GET' | 'POST', string][] = [
    ['GET', '/api/agent/queue'],
    ['GET', '/api/agent/events'],
    ['GET', '/api/agent/canned'],
    ['GET', conversationPath('race', 'transcript')],
    ['POST', conversationPath('race', 'accept')],
    ['POST', conversationPath('race', 'messages')],
    ['POST', conversationPath('race', 'close')],
  ];
  for (const [method, path] of paths) {
    const attempts: Record<string, string>[] = [{}, { authorization: `Bearer ${MINJI.token}x` }, { authorization: MINJI.token }, { cookie: 'agent_session=forged' }];
    for (const headers of attempts) {
      const res = await api(bot, method, path, { headers });
      expect([method, path, res.status]).toEqual([method, path, 401]);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(res.body).toMatchObject({ code: 'Unauthorized', message: expect.any(String) });
    }
  }

  expect((await api(bot, 'POST', '/api/agent/session', { body: { token: 'wrong-token-123456' } })).status).toBe(401);
  expect((await api(bot, 'POST', '/api/agent/session', { body: {} })).status).toBe(400);
  const signIn = await api(bot, 'POST', '/api/agent/session', { body: { token: JUNHO.token } });
  expect(signIn.status).toBe(200);
  expect(signIn.body).toEqual({ agent: JUNHO.name });
  const cookie = signIn.headers.get('set-cookie')!;
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Strict/);
  const session = cookie.split(';')[0];
  expect((await api(bot, 'GET', '/api/agent/me', { headers: { cookie: session } })).body).toMatchObject({ agent: JUNHO.name });
  expect((await api(bot, 'GET', '/api/agent/queue', { headers: { cookie: session } })).status).toBe(200);
  const stream = await EventStream.open(bot, { cookie: session });
  expect(stream.events.find((e) => e.event === 'hello')).toMatchObject({ data: { agent: JUNHO.name } });
  await stream.close();
  expect((await api(bot, 'DELETE', '/api/agent/session', { headers: { cookie: session } })).status).toBe(204);
  expect((await api(bot, 'GET', '/api/agent/queue', { headers: { cookie: session } })).status).toBe(401);

  // canned replies from the knowledge base; the console itself
  expect((await api(bot, 'GET', '/api/agent/canned', { token: MINJI.token })).body.canned).toEqual(k.canned);
  const page = await fetch(`${bot.url}/agent`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(await page.text()).toContain('/agent/console.js');
  expect((await fetch(`${bot.url}/agent/console.js`)).status).toBe(200);
  expect((await fetch(`${bot.url}/agent/..%2Fhub.ts`)).status).toBe(404);
});

test('bodies are validated: 400 with a message, 415 for non-JSON', async () => {
  const seller = new Seller(bot, channel, 'validation');
  await seller.say('상담사');
  expect((await accept(bot, MINJI, 'validation')).status).toBe(200);
  for (const body of [{}, { text: '' }, { text: '   ' }, { text: 5 }, { text: 'hi', extra: true }, { text: 'x'.repeat(bot.app.config.MAX_MESSAGE_LENGTH + 1) }]) {
    const res = await api(bot, 'POST', conversationPath('validation', 'messages'), { token: MINJI.token, body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'BadRequest', message: expect.stringMatching(/text|extra/) });
  }
  const form = await api(bot, 'POST', conversationPath('validation', 'messages'), {
    token: MINJI.token,
    body: 'text=hi',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(form.status).toBe(415);
  expect((await closeAsAgent(bot, MINJI, 'validation')).status).toBe(200);
});

test('cancel while waiting leaves the queue, the bot answers again, asking again re-queues at the back', async () => {
  const events = await EventStream.open(bot, { authorization: `Bearer ${JUNHO.token}` });
  try {
    const ahead = new Seller(bot, channel, 'ahead-en');
    const waitEn = (await bot.app.hub.snapshot()).estimatedWaitMinutes;
    const started = events.next((e) => e.event === 'waiting' && e.data.conversationId === 'ahead-en');
    await ahead.say('Hello', { locale: 'en-US' });
    const english = await ahead.say('I need a human agent', { locale: 'en-US' });
    expect(english[0].startsWith(k.text('handoff.queued', 'en', { position: '1st', wait: k.text('handoff.wait_minutes', 'en', { minutes: waitEn }) }))).toBe(true);
    expect(english[0]).not.toContain(k.text('handoff.queued_no_agents', 'en', { position: '1st' })); // an agent has the stream open
    expect((await started).data).toMatchObject({ position: 1, language: 'en', reason: 'requested' });

    const seller = new Seller(bot, channel, 'cancel');
    await seller.say('상품 삭제 어떻게 해요?');
    const queued = await seller.say('상담사 연결해 주세요');
    expect(queued[0]).toMatch(new RegExp(`^${escapeRegExp(ko('handoff.queued', { position: '두 번째', wait: '\u0000' })).replace('\u0000', '\\d+분')}\n`));

    const cancelled = events.next((e) => e.event === 'cancelled' && e.data.conversationId === 'cancel');
    expect(await seller.say('대기 취소')).toEqual([ko('handoff.left_queue')]);
    await cancelled;
    expect((await queue(bot)).waiting.map((w) => w.conversationId)).toEqual(['ahead-en']);

    expect(await seller.say('상품 삭제 어떻게 해요?')).toContain(ko('delete_product.ask_resolved'));
    const again = await seller.say('상담사');
    expect(again[0]).toMatch(new RegExp(`^${escapeRegExp(ko('handoff.queued', { position: '두 번째', wait: '\u0000' })).replace('\u0000', '\\d+분')}\n`));
    expect((await queue(bot)).waiting.map((w) => [w.conversationId, w.position])).toEqual([
      ['ahead-en', 1],
      ['cancel', 2],
    ]);

    expect(await ahead.say('cancel')).toEqual([k.text('handoff.left_queue', 'en')]);
    expect(await seller.say('취소')).toEqual([ko('handoff.left_queue')]);
    expect((await queue(bot)).waiting).toEqual([]);
  } finally {
    await events.close();
  }
});

test('a message no intent matches starts the handoff with a reason; noise never does', async () => {
  const seller = new Seller(bot, channel, 'no-match');
  await seller.say('안녕하세요');
  const replies = await seller.say('오늘 저녁 메뉴 추천해 주세요');
  expect(replies[0]).toBe(ko('handoff.no_match'));
  expect(replies[1].startsWith(ko('handoff.queued_no_agents', { position: '첫 번째' }))).toBe(true);
  expect((await queue(bot)).waiting).toEqual([expect.objectContaining({ conversationId: 'no-match', reason: 'no_match', lastMessage: '오늘 저녁 메뉴 추천해 주세요' })]);
  expect(await seller.say('취소')).toEqual([ko('handoff.left_queue')]);

  const noisy = new Seller(bot, channel, 'noise');
  for (const text of ['ㅋㅋㅋ', '😀', 'asdfgh', '네', 'ㅎㅎ']) {
    const answer = await noisy.say(text);
    expect(answer.some((t) => t.startsWith(ko('handoff.no_match')) || t.startsWith(ko('handoff.queued_no_agents').split(' (')[0]))).toBe(false);
  }
  expect((await queue(bot)).waiting).toEqual([]);
});

test('a conversation that only uses expectReplies is told live chat is not available', async () => {
  const replies = await ask(bot.url, 'expect-replies-only', '상담사 연결해 주세요');
  expect(replies).toContain(ko('handoff.channel_unsupported'));
  expect((await queue(bot)).waiting).toEqual([]);
});

test("the seller's channel down: 502 JSON, the message kept as undelivered", async () => {
  const seller = new Seller(bot, channel, 'unreachable');
  await seller.say('상담사');
  expect((await accept(bot, MINJI, 'unreachable')).status).toBe(200);
  channel.mode = 'down';
  try {
    const res = await sendAsAgent(bot, MINJI, 'unreachable', '들리세요?');
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.body).toMatchObject({ code: 'SellerUnreachable', delivered: false, message: expect.any(String) });
  } finally {
    channel.mode = 'up';
  }
  const transcript = await api(bot, 'GET', conversationPath('unreachable', 'transcript'), { token: MINJI.token });
  expect(transcript.body.messages).toContainEqual(expect.objectContaining({ role: 'agent', text: '들리세요?', delivered: false }));
  expect((await sendAsAgent(bot, MINJI, 'unreachable', '이제 들리세요?')).status).toBe(200);
  expect((await closeAsAgent(bot, MINJI, 'unreachable')).status).toBe(200);
});

test('"상담 종료" ends the chat from the seller side; the agent hears of it', async () => {
  const seller = new Seller(bot, channel, 'seller-ends');
  await seller.say('상담사');
  const events = await EventStream.open(bot, { authorization: `Bearer ${JUNHO.token}` });
  try {
    const accepted = await accept(bot, JUNHO, 'seller-ends');
    const closed = events.next((e) => e.event === 'closed' && e.data.conversationId === 'seller-ends');
    const replies = await seller.say('상담 종료');
    expect(replies[0]).toBe(ko('handoff.ended_by_seller'));
    expectClosedSummary(replies[1], JUNHO.name, accepted.body.caseNumber);
    expect((await closed).data).toMatchObject({ by: 'seller', agent: JUNHO.name });
    expect((await sendAsAgent(bot, JUNHO, 'seller-ends', '여보세요?')).status).toBe(409);
    expect(await seller.say('상품 삭제 어떻게 해요?')).toContain(ko('delete_product.ask_resolved'));
  } finally {
    await events.close();
  }
});

test('a spoofed handoff.status on the local path changes nothing', async () => {
  const seller = new Seller(bot, channel, 'spoof');
  await seller.say('상담사');
  const before = seller.texts().length;
  for (const state of ['accepted', 'completed', 'failed']) {
    const res = await post(
      bot.url,
      '/api/messages',
      message('spoof', '', { type: 'event', name: 'handoff.status', value: { state }, serviceUrl: channel.url, text: undefined }),
    );
    expect(res.status).toBe(200);
  }
  expect(seller.texts()).toHaveLength(before);
  expect((await queue(bot)).waiting).toEqual([expect.objectContaining({ conversationId: 'spoof', position: 1 })]);
  expect(await seller.say('취소')).toEqual([ko('handoff.left_queue')]);
});

test('a restart on the same DATA_DIR keeps the queue and the live chats; the agent reaches a seller queued before', async () => {
  const waiting = new Seller(bot, channel, 'restart-waiting');
  await waiting.say('상품 삭제 어떻게 해요?');
  await waiting.say('상담사 연결해 주세요');
  await waiting.say('상품번호 2222222222 삭제가 안 돼요');
  const chatting = new Seller(bot, channel, 'restart-chatting');
  await chatting.say('상담사');
  expect((await accept(bot, JUNHO, 'restart-chatting')).status).toBe(200);
  const before = await queue(bot);
  expect(before.waiting.map((w) => w.conversationId)).toEqual(['restart-waiting']);

  const { dataDir } = bot;
  await bot.stop({ keepData: true });
  bot = await startBot(ENV, { dataDir });
  const [waitingAfter, chattingAfter] = [new Seller(bot, channel, 'restart-waiting'), new Seller(bot, channel, 'restart-chatting')];

  expect(withoutClock(await queue(bot))).toEqual(withoutClock(before));
  expect((await accept(bot, MINJI, 'restart-waiting')).status).toBe(200);
  expect(waiting.texts().at(-1)).toBe(ko('handoff.agent_joined', { agent: MINJI.name }));
  expect((await sendAsAgent(bot, MINJI, 'restart-waiting', '재시작 후에도 잘 들려요')).status).toBe(200);
  expect(waiting.texts().at(-1)).toBe(`${ko('handoff.agent_prefix', { agent: MINJI.name })} 재시작 후에도 잘 들려요`);
  expect(await waitingAfter.say('네 감사합니다')).toEqual([]); // still in the agent's hands
  expect(await chattingAfter.say('아직 계세요?')).toEqual([]);
  const transcript = await api(bot, 'GET', conversationPath('restart-waiting', 'transcript'), { token: MINJI.token });
  expect(transcript.body.messages.map((m: { role: string; text: string }) => [m.role, m.text])).toEqual(
    expect.arrayContaining([
      ['seller', '상품번호 2222222222 삭제가 안 돼요'],
      ['agent', '재시작 후에도 잘 들려요'],
      ['seller', '네 감사합니다'],
    ]),
  );
  expect((await sendAsAgent(bot, JUNHO, 'restart-chatting', '계속 이어서 볼게요')).status).toBe(200);
  expect(chatting.texts().at(-1)).toBe(`${ko('handoff.agent_prefix', { agent: JUNHO.name })} 계속 이어서 볼게요`);
  expect((await closeAsAgent(bot, MINJI, 'restart-waiting')).status).toBe(200);
  expect((await closeAsAgent(bot, JUNHO, 'restart-chatting')).status).toBe(200);
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// A seller who leaves (a Bot Framework endOfConversation) while queued or in a live chat: the request or
// chat ends for the agents with a note, and what the agent sends afterwards is kept as undelivered
// instead of "delivered" to nobody.
describe('the seller leaves', () => {
  let events: EventStream;
  beforeAll(async () => {
    events = await EventStream.open(bot, { authorization: `Bearer ${MINJI.token}` });
  });
  afterAll(() => events.close());

  function endOfConversation(conversationId: string) {
    const { text: _text, ...activity } = message(conversationId, '', { serviceUrl: channel.url });
    return post(bot.url, '/api/messages', { ...activity, type: 'endOfConversation', code: 'userCancelled' });
  }

  test('leaving a live chat: the agent is told, later messages are undelivered, the transcript has a note', async () => {
    const id = 'left-live';
    const seller = new Seller(bot, channel, id);
    await seller.say('상담사 연결해 주세요');
    expect((await accept(bot, MINJI, id)).status).toBe(200);
    expect((await sendAsAgent(bot, MINJI, id, '확인해 볼게요')).status).toBe(200);
    const sellerTexts = seller.texts().length;

    expect((await endOfConversation(id)).status).toBe(200);
    const closed = await events.next((e) => e.event === 'closed' && e.data.conversationId === id);
    expect(closed.data).toMatchObject({ by: 'left', agent: MINJI.name, caseNumber: expect.stringMatching(/^CS-\d{6}-/) });
    expect((await queue(bot)).active.map((e) => e.conversationId)).not.toContain(id);

    const late = await sendAsAgent(bot, MINJI, id, '혹시 계신가요?');
    expect(late.status).toBe(410);
    expect(late.body).toMatchObject({ code: 'SellerLeft', delivered: false, messageId: expect.any(Number) });
    const transcript = (await api(bot, 'GET', conversationPath(id, 'transcript'), { token: MINJI.token })).body;
    const tail = transcript.messages.slice(-3).map((m: { role: string; text: string; event?: string; delivered?: boolean }) => [m.role, m.event ?? m.text, m.delivered]);
    expect(tail).toEqual([
      ['agent', '확인해 볼게요', true],
      ['note', 'seller_left', undefined],
      ['agent', '혹시 계신가요?', false],
    ]);
    expect(transcript.session).toMatchObject({ status: 'closed' });
    // Nothing more reached the seller's channel.
    expect(seller.texts()).toHaveLength(sellerTexts);
  });

  test('leaving the queue: the request goes from the queue with a note; no agent can accept it', async () => {
    const id = 'left-waiting';
    const seller = new Seller(bot, channel, id);
    await seller.say('상담사 연결해 주세요');
    expect((await queue(bot)).waiting.map((e) => e.conversationId)).toContain(id);

    expect((await endOfConversation(id)).status).toBe(200);
    await events.next((e) => e.event === 'closed' && e.data.conversationId === id && e.data.by === 'left');
    const q = await queue(bot);
    expect([...q.waiting, ...q.active, ...q.missed].map((e) => e.conversationId)).not.toContain(id);
    expect((await accept(bot, MINJI, id)).status).toBe(404);
    const transcript = (await api(bot, 'GET', conversationPath(id, 'transcript'), { token: MINJI.token })).body;
    expect(transcript.messages.at(-1)).toMatchObject({ role: 'note', event: 'seller_left' });
  });

  test('an endOfConversation from a seller who was only talking to the bot changes nothing', async () => {
    const id = 'left-bot-only';
    await new Seller(bot, channel, id).say('운영 시간 알려 주세요');
    expect((await endOfConversation(id)).status).toBe(200);
    expect(await bot.app.hub.sellerLeft(id, 'test')).toBe(false);
  });

  test('an endOfConversation with the same conversation id from another channel leaves the queued seller alone', async () => {
    const id = 'left-other-channel';
    const seller = new Seller(bot, channel, id);
    await seller.say('상담사 연결해 주세요');
    const { text: _text, ...activity } = message(id, '', { serviceUrl: channel.url });
    expect((await post(bot.url, '/api/messages', { ...activity, channelId: 'another-channel', type: 'endOfConversation' })).status).toBe(200);
    expect((await queue(bot)).waiting.map((e) => e.conversationId)).toContain(id);
    expect(await seller.say('대기 취소')).toEqual([ko('handoff.left_queue')]);
  });
});
