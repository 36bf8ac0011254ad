// TalkTalk end to end: the real bot server, a fake platform posting events shaped like the documented
// examples, and a fake send API checking every body against the documented limits and the header.
// A whole day with our hub's agents, a whole day with the partner center's (platform), a restart between
// the 200 and the turn, and hostile input.
import { request } from 'node:http';
import { loadKnowledge } from '../../../knowledge';
import { createLogger } from '../../../bot/logger';
import type { TalkTalkChannel } from '../../../bot/channels/talktalk';
import { type RunningBot, startBot } from '../../support/botServer';
import { AGENT_TOKENS, MINJI, accept, api, closeAsAgent, conversationPath, ko, queue, sendAsAgent } from '../../handoff/helpers';
import { FakeGateway } from './fakeGateway';
import { FakePlatform } from './fakePlatform';

const k = loadKnowledge();
const TOKEN = 'tt-webhook-token-0123456789abcdef';
const KEY = 'ct_wc8b1i_Pb1AXDQ0RZWuCccpzdNL';
const PARTNER = 'wc8b1i';
const label = (intent: string) => k.menu.find((m) => m.intent === intent)!.label.ko;

function envFor(gateway: FakeGateway, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TALKTALK_ENABLED: 'true',
    TALKTALK_WEBHOOK_TOKEN: TOKEN,
    TALKTALK_AUTH_KEY: KEY,
    TALKTALK_API_URL: gateway.url,
    TRUSTED_PROXIES: 'loopback',
    AGENT_TOKENS,
    CHANNEL_TIMEOUT_MS: '1500',
    OUTBOX_RETRY_BASE_MS: '50',
    LOCAL_WEBCHAT: 'false',
    ...extra,
  };
}

function channelOf(bot: RunningBot): TalkTalkChannel {
  return bot.app.channels.get('talktalk') as TalkTalkChannel;
}

/** A seller in TalkTalk: each event must be answered 200 at once; `say` returns what the bot sent for it. */
class Seller {
  constructor(
    private readonly bot: RunningBot,
    private readonly platform: FakePlatform,
    private readonly gateway: FakeGateway,
    readonly user: string,
  ) {}

  async after(post: () => Promise<{ status: number; ms: number; body: unknown }>): Promise<any[]> {
    const before = this.gateway.bodiesFor(this.user).length;
    const res = await post();
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: undefined });
    expect(res.ms).toBeLessThan(1000);
    await channelOf(this.bot).idle();
    return this.gateway.bodiesFor(this.user).slice(before);
  }

  say(text: string) {
    return this.after(() => this.platform.text(this.user, text));
  }

  press(title: string, code: string) {
    return this.after(() => this.platform.press(this.user, title, code));
  }
}

const textsOf = (bodies: any[]) => bodies.filter((b) => b.textContent).map((b) => b.textContent.text as string);
const codesOf = (body: any) => (body.textContent?.quickReply?.buttonList ?? []).map((b: any) => b.data.code);

let gateway: FakeGateway;
beforeAll(async () => {
  gateway = await new FakeGateway(KEY).start();
});
afterAll(() => gateway.stop());
afterEach(() => {
  expect(gateway.violations).toEqual([]);
  expect(gateway.refused).toEqual([]);
});

describe('hub mode: a whole day with our agents', () => {
  let bot: RunningBot;
  const lines: any[] = [];
  beforeAll(async () => {
    const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) });
    bot = await startBot(envFor(gateway), { logger });
  });
  afterAll(() => bot.stop());

  test('open, question, quick reply, agent mid-dialog, relay both ways, image, echo, close, bot again', async () => {
    const platform = new FakePlatform(bot.url, TOKEN);
    const user = 'al-2eGuGr5WQOnco1_V-FQ';
    const conversationId = `talktalk:${user}`;
    const seller = new Seller(bot, platform, gateway, user);

    // open → the welcome with the topic menu as quick replies (their codes are the full labels)
    const welcome = await seller.after(() => platform.open(user));
    expect(textsOf(welcome)).toEqual([ko('welcome')]);
    expect(codesOf(welcome[0])).toEqual(k.menu.map((m) => m.label.ko));
    expect(welcome[0].options).toBeUndefined(); // a direct reply: no push notification
    // opening the chat again does not welcome twice
    expect(await seller.after(() => platform.open(user))).toEqual([]);

    // a question, then a quick-reply press (TalkTalk sends the cut title as text and the full value as code)
    expect(textsOf(await seller.say('상품 삭제는 어떻게 하나요?'))).toContain(ko('delete_product.steps'));
    const pressed = await seller.press(label('restore_product').slice(0, 9), label('restore_product'));
    expect(textsOf(pressed).join('\n')).toContain(ko('restore.policy'));

    // agent request mid-dialog: queued, shown to agents as talktalk:<user>
    const queued = textsOf(await seller.say('상담사 연결해 주세요'));
    expect(queued).toHaveLength(1);
    expect(queued[0].startsWith(ko('handoff.queued_no_agents', { position: '첫 번째' }))).toBe(true);
    const { waiting } = await queue(bot);
    expect(waiting).toEqual([expect.objectContaining({ conversationId, channelId: 'talktalk', reason: 'requested' })]);

    // the agent accepts and replies: pushed with notification, in order
    const before = gateway.bodiesFor(user).length;
    expect((await accept(bot, MINJI, conversationId)).body).toMatchObject({ notified: true });
    const sent = await sendAsAgent(bot, MINJI, conversationId, '안녕하세요, 확인해 볼게요.');
    expect(sent.body).toMatchObject({ delivered: true });
    const pushed = gateway.bodiesFor(user).slice(before);
    expect(textsOf(pushed)).toEqual([ko('handoff.agent_joined', { agent: MINJI.name }), `${ko('handoff.agent_prefix', { agent: MINJI.name })} 안녕하세요, 확인해 볼게요.`]);
    expect(pushed.every((b) => b.options?.notification === true)).toBe(true);

    // the seller's text and image reach the agent (the image as TalkTalk's link); the bot stays quiet
    expect(await seller.say('상품번호 1234567890 삭제가 안 돼요')).toEqual([]);
    const imageUrl = 'https://talk-phinf.pstatic.net/screenshot.png';
    expect(await seller.after(() => platform.image(user, imageUrl))).toEqual([]);
    // TalkTalk's copy of the agent's message is never answered
    expect(await seller.after(() => platform.echo(user, '안녕하세요, 확인해 볼게요.', PARTNER))).toEqual([]);
    const transcript = await api(bot, 'GET', conversationPath(conversationId, 'transcript'), { token: MINJI.token });
    expect(transcript.body.messages).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ role: 'seller', text: '상품 삭제는 어떻게 하나요?' }),
        expect.objectContaining({ role: 'agent', text: '안녕하세요, 확인해 볼게요.', delivered: true }),
        expect.objectContaining({ role: 'seller', text: '상품번호 1234567890 삭제가 안 돼요' }),
        expect.objectContaining({ role: 'seller', attachments: [{ contentType: 'image/png', name: 'TalkTalk image', contentUrl: imageUrl }] }),
      ]),
    );
    expect(transcript.body.messages.filter((m: any) => m.text === '안녕하세요, 확인해 볼게요.')).toHaveLength(1);

    // the agent closes: the summary goes out; then the bot answers again
    const closing = gateway.bodiesFor(user).length;
    const closed = await closeAsAgent(bot, MINJI, conversationId);
    expect(closed.body).toMatchObject({ closed: true, notified: true });
    const [summary] = textsOf(gateway.bodiesFor(user).slice(closing));
    expect(summary).toContain(closed.body.caseNumber);
    expect(textsOf(await seller.say('상품 삭제는 어떻게 하나요?'))).toContain(ko('delete_product.steps'));

    // turn log lines carry the channel
    expect(lines.filter((l) => l.msg === 'turn' && l.conversationId === conversationId).every((l) => l.channelId === 'talktalk')).toBe(true);
    expect(lines.some((l) => l.msg === 'turn' && l.channelId === 'talktalk')).toBe(true);
  });

  test('leave ends a live chat for the agent; friend is recorded; the user id never appears in a sent link', async () => {
    const platform = new FakePlatform(bot.url, TOKEN);
    const user = 'leaving-user-0001';
    const conversationId = `talktalk:${user}`;
    const seller = new Seller(bot, platform, gateway, user);
    await seller.say('상담사 연결해 주세요');
    await accept(bot, MINJI, conversationId);
    expect(await seller.after(() => platform.friend(user, 'on'))).toEqual([]);
    expect(await seller.after(() => platform.leave(user))).toEqual([]);
    const after = await sendAsAgent(bot, MINJI, conversationId, '계세요?');
    expect(after.status).toBe(410);
    expect((await queue(bot)).active.find((a: any) => a.conversationId === conversationId)).toBeUndefined();
    for (const body of gateway.received.map((r) => JSON.stringify(r.body))) expect(body).not.toMatch(/https?:\/\/[^"]*leaving-user-0001/);
  });

  test('send-API failures: 503 and 99 are retried in order, a documented permanent code is given up; all logged and counted', async () => {
    const platform = new FakePlatform(bot.url, TOKEN);
    const user = 'failing-gateway-user';
    const seller = new Seller(bot, platform, gateway, user);
    const failures = channelOf(bot).sendFailures;
    const before = { unavailable: failures.get('http-503') ?? 0, other: failures.get('99') ?? 0, malformed: failures.get('02') ?? 0 };
    gateway.failNext({ status: 503 }, { resultCode: '99' });
    // The turn ends with its reply kept in the outbox; the retries deliver it moments later.
    await seller.after(() => platform.open(user));
    expect(textsOf(await gateway.waitForUser(user, 0, 1))).toEqual([ko('welcome')]);
    expect(failures.get('http-503')).toBe(before.unavailable + 1);
    expect(failures.get('99')).toBe(before.other + 1);
    gateway.failNext({ resultCode: '02' });
    // The refused message is not sent again, and the conversation goes on.
    expect(textsOf(await seller.say('상품 삭제는 어떻게 하나요?'))).not.toContain(ko('delete_product.steps'));
    expect(textsOf(await seller.say('상품 삭제 방법 알려 주세요'))).toContain(ko('delete_product.steps'));
    expect(failures.get('02')).toBe(before.malformed + 1);
    expect(lines.filter((l) => l.msg === 'talktalk: send API refused or failed').map((l) => l.resultCode)).toEqual(expect.arrayContaining(['http-503', '99', '02']));
  });
});

describe('platform mode: the partner center answers', () => {
  let bot: RunningBot;
  beforeAll(async () => {
    bot = await startBot(envFor(gateway, { TALKTALK_HANDOFF: 'platform' }));
  });
  afterAll(() => bot.stop());

  test('passThread with the summary, standby ignored, handover back, bot again; the end button takes the thread', async () => {
    const platform = new FakePlatform(bot.url, TOKEN);
    const user = 'platform-user-0001';
    const conversationId = `talktalk:${user}`;
    const seller = new Seller(bot, platform, gateway, user);
    await seller.after(() => platform.open(user));
    // TalkTalk echoes the bot's welcome: the partner id is learned from it
    expect(await seller.after(() => platform.echo(user, ko('welcome'), PARTNER))).toEqual([]);
    await seller.say('상품 삭제는 어떻게 하나요?');

    const handed = await seller.say('상담사 연결해 주세요');
    expect(handed.at(-1)).toEqual({ event: 'handover', user, partner: PARTNER, options: { control: 'passThread', targetId: 1 } });
    const told = handed.at(-2);
    expect(told.textContent.text.startsWith(ko('handoff.platform_transferred', { summary: '\u0000' }).split('\u0000')[0])).toBe(true);
    expect(told.textContent.text).toContain(label('delete_product'));
    expect(codesOf(told)).toEqual([ko('button.end_chat')]);
    // recorded as transferred, never waiting in our queue
    expect((await queue(bot)).waiting).toEqual([]);
    const transcript = await api(bot, 'GET', conversationPath(conversationId, 'transcript'), { token: MINJI.token });
    expect(transcript.body.session).toMatchObject({ status: 'closed', closedBy: 'platform' });
    const caseNumber: string = transcript.body.session.caseNumber;

    // while the agents own the thread: silence, whatever the seller writes
    for (const text of ['헬로', '상품 삭제는 어떻게 하나요?', '상담사']) expect(await seller.after(() => platform.standby(user, text, PARTNER))).toEqual([]);
    expect(await seller.after(() => platform.echo(user, '네 고객님, 확인해 드릴게요.', PARTNER, true))).toEqual([]);

    // the agent presses 상담 완료하기: a short closing message, then the bot answers again
    expect(textsOf(await seller.after(() => platform.handoverBack(user, PARTNER, '상담사A')))).toEqual([ko('handoff.platform_closed', { caseNumber })]);
    expect(textsOf(await seller.say('상품 삭제는 어떻게 하나요?'))).toContain(ko('delete_product.steps'));

    // a second handoff, ended by the seller's press of the bot's 상담 종료 button (sent without standby)
    const second = await seller.say('상담사 연결해 주세요');
    expect(second.at(-1).options).toEqual({ control: 'passThread', targetId: 1 });
    const secondCase: string = (await api(bot, 'GET', conversationPath(conversationId, 'transcript'), { token: MINJI.token })).body.session.caseNumber;
    expect(secondCase).not.toBe(caseNumber);
    const ended = await seller.press(ko('button.end_chat'), ko('button.end_chat'));
    expect(ended[0]).toEqual({ event: 'handover', user, partner: PARTNER, options: { control: 'takeThread', metadata: '' } });
    expect(textsOf(ended)).toEqual([`${ko('handoff.ended_by_seller')}\n${ko('handoff.platform_closed', { caseNumber: secondCase })}`]);
    expect(textsOf(await seller.say('상품 삭제는 어떻게 하나요?'))).toContain(ko('delete_product.steps'));
  });
});

/** An agent API call on a connection of its own, closed after the answer (a kept-alive one would hold the server's close). */
function sendClosing(url: string, token: string, body: unknown): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', connection: 'close' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

test('a restart between the 200 and the turn runs the stored event', async () => {
  const env = envFor(gateway, { CHANNEL_TIMEOUT_MS: '600' });
  let bot = await startBot(env);
  const dataDir = bot.dataDir;
  const user = 'restart-user-0001';
  const conversationId = `talktalk:${user}`;
  try {
    let platform = new FakePlatform(bot.url, TOKEN);
    await new Seller(bot, platform, gateway, user).say('상담사 연결해 주세요');
    await accept(bot, MINJI, conversationId);
    // The send API stops answering while an agent message goes out: the conversation is busy with it...
    gateway.failNext('hang');
    const agentMessage = sendClosing(`${bot.url}${conversationPath(conversationId, 'messages')}`, MINJI.token, { text: '잠시만요.' });
    await new Promise((r) => setTimeout(r, 100));
    // ...when the seller writes: stored and answered 200, its turn waiting behind the delivery.
    const res = await platform.text(user, '재시작 전에 보낸 메시지예요');
    expect(res.status).toBe(200);
    // The process stops before that turn could run.
    const stopped = bot.stop({ keepData: true });
    expect(await agentMessage).toMatchObject({ delivered: false });
    await stopped;

    bot = await startBot(env, { dataDir });
    platform = new FakePlatform(bot.url, TOKEN);
    await channelOf(bot).idle();
    const deadline = Date.now() + 8000;
    let messages: any[] = [];
    while (Date.now() < deadline) {
      messages = (await api(bot, 'GET', conversationPath(conversationId, 'transcript'), { token: MINJI.token })).body.messages;
      if (messages.some((m) => m.text === '재시작 전에 보낸 메시지예요') && messages.some((m) => m.role === 'agent' && m.delivered)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(messages).toEqual(expect.arrayContaining([expect.objectContaining({ role: 'seller', text: '재시작 전에 보낸 메시지예요' }), expect.objectContaining({ role: 'agent', text: '잠시만요.', delivered: true })]));
    expect(messages.filter((m) => m.text === '재시작 전에 보낸 메시지예요')).toHaveLength(1);
    await closeAsAgent(bot, MINJI, conversationId);
  } finally {
    await bot.stop();
  }
});

describe('hostile input', () => {
  let bot: RunningBot;
  beforeAll(async () => {
    bot = await startBot(envFor(gateway, { RATE_LIMIT_PER_MINUTE: '5' }));
  });
  afterAll(() => bot.stop());

  const expectError = (res: { status: number; body: any }, status: number) => {
    expect(res.status).toBe(status);
    expect(typeof res.body?.code).toBe('string');
    expect(typeof res.body?.message).toBe('string');
  };

  test('wrong token, wrong address, malformed JSON, missing fields, wrong content type: 4xx JSON, nothing stored or sent', async () => {
    const platform = new FakePlatform(bot.url, TOKEN);
    const before = gateway.received.length;
    const event = { event: 'send', user: 'hostile-user', textContent: { text: '안녕하세요', inputType: 'typing' } };
    expectError(await platform.post(event, { token: 'x'.repeat(32) }), 404);
    expectError(await platform.post(event, { token: `${TOKEN}x` }), 404);
    expectError(await platform.post(event, { from: '1.2.3.4' }), 403);
    expectError(await platform.post(event, { from: '::ffff:1.2.3.4' }), 403);
    // Naver's address written IPv4-mapped is Naver's address.
    expect((await platform.post({ event: 'friend', user: 'mapped-user', options: { set: 'on' } }, { from: '::ffff:211.249.68.20' })).status).toBe(200);
    // A wrong address learns nothing about the token, and its malformed JSON is not even read.
    expectError(await platform.post(undefined, { from: '1.2.3.4', token: 'guess', raw: '{"event":' }), 403);
    expectError(await platform.post(undefined, { raw: '{"event": "send",' }), 400);
    expectError(await platform.post(undefined, { raw: '[1,2,3]' }), 400);
    expectError(await platform.post({ user: 'hostile-user' }), 400);
    expectError(await platform.post({ event: 'send' }), 400);
    expectError(await platform.post({ event: 'send', user: 'has space' }), 400);
    const form = await fetch(`${bot.url}/api/talktalk/${TOKEN}`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-forwarded-for': '211.249.40.7' }, body: 'event=send' });
    expect(form.status).toBe(415);
    await channelOf(bot).idle();
    expect(gateway.received.length).toBe(before);
  });

  test('unknown events are taken and ignored; an unasked-for payment is refused; a huge text is read up to the limit', async () => {
    const platform = new FakePlatform(bot.url, TOKEN);
    const user = 'hostile-user-2';
    const seller = new Seller(bot, platform, gateway, user);
    expect(await seller.after(() => platform.post({ event: 'brand_new_event', user, options: { whatever: [1, 2] } }))).toEqual([]);
    expect(await seller.after(() => platform.post({ event: 'profile', user, options: { result: 'SUCCESS', nickname: '톡톡' } }))).toEqual([]);
    expectError(await platform.post({ event: 'pay_complete', user, options: { paymentResult: { code: 'Success', paymentId: '1' } } }), 404);
    const huge = await seller.say('가'.repeat(80_000));
    expect(textsOf(huge)).toContain(ko('message_truncated', { max: 2000 }));
    const overLimit = await platform.text(user, '가'.repeat(100_000));
    expectError(overLimit, 413);
  });

  test('a flood for one conversation gets 429 after RATE_LIMIT_PER_MINUTE', async () => {
    const platform = new FakePlatform(bot.url, TOKEN);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await platform.post({ event: 'friend', user: 'flood-user', options: { set: i % 2 ? 'on' : 'off' } })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    await channelOf(bot).idle();
  });
});

test('TALKTALK_ENABLED unset: no webhook', async () => {
  const bot = await startBot({ LOCAL_WEBCHAT: 'false' });
  try {
    const res = await new FakePlatform(bot.url, TOKEN).text('someone', '안녕하세요');
    expect(res.status).toBe(404);
  } finally {
    await bot.stop();
  }
});
