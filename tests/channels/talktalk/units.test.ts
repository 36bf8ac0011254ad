// The TalkTalk channel's parts on their own: configuration, rendering within the documented limits (checked
// by the fake gateway's own rules), the send API's retry and give-up rules, and the durable inbox.
import { tmpdir } from 'node:os';
import type { Activity } from 'botbuilder';
import { ConfigError, loadConfig } from '../../../bot/config';
import { InProcessTurnLock } from '../../../bot/coordination/inProcess/turnLock';
import { createLogger } from '../../../bot/logger';
import { openSqliteStores } from '../../../bot/storage/sqlite';
import { handoverMetadata, incomingEventSchema, type SendBody } from '../../../bot/channels/talktalk/contract';
import { TalkTalkInbox } from '../../../bot/channels/talktalk/inbox';
import { toInbound } from '../../../bot/channels/talktalk/mapping';
import { TalkTalkPush } from '../../../bot/channels/talktalk/push';
import { checked, render } from '../../../bot/channels/talktalk/render';
import { SendApiFailure, TalkTalkSendApi } from '../../../bot/channels/talktalk/sendApi';
import { FakeGateway, violations } from './fakeGateway';

const logger = createLogger('silent');
const USER = 'al-2eGuGr5WQOnco1_V-FQ';
const KEY = 'ct_wc8b1i_Pb1AXDQ0RZWuCccpzdNL';

describe('configuration', () => {
  const base = { DATA_DIR: tmpdir(), TALKTALK_ENABLED: 'true', TALKTALK_WEBHOOK_TOKEN: 'a'.repeat(24), TALKTALK_AUTH_KEY: KEY };

  test('defaults: the documented gateway and source ranges, hub handoff', () => {
    const config = loadConfig(base);
    expect(config.TALKTALK_API_URL).toBe('https://gw.talk.naver.com/chatbot/v1/event');
    expect(config.TALKTALK_ALLOWED_IPS).toEqual(['211.249.40.0/27', '211.249.68.0/27', '220.230.168.0/27']);
    expect(config.TALKTALK_HANDOFF).toBe('hub');
    expect(loadConfig({ DATA_DIR: tmpdir() }).TALKTALK_ENABLED).toBe(false);
  });

  test.each([
    [{ TALKTALK_WEBHOOK_TOKEN: '' }, /TALKTALK_WEBHOOK_TOKEN: required/],
    [{ TALKTALK_WEBHOOK_TOKEN: 'short-token' }, /TALKTALK_WEBHOOK_TOKEN/],
    [{ TALKTALK_WEBHOOK_TOKEN: `${'a'.repeat(24)}/../x` }, /TALKTALK_WEBHOOK_TOKEN/],
    [{ TALKTALK_AUTH_KEY: ' ' }, /TALKTALK_AUTH_KEY: required/],
    [{ TALKTALK_ALLOWED_IPS: 'naver.com' }, /TALKTALK_ALLOWED_IPS/],
    [{ TALKTALK_API_URL: 'gw.talk.naver.com' }, /TALKTALK_API_URL/],
    [{ TALKTALK_HANDOFF: 'both' }, /TALKTALK_HANDOFF/],
    [{ TALKTALK_PARTNER_ID: 'wc 1234' }, /TALKTALK_PARTNER_ID/],
    [{ TALKTALK_ENABLED: 'maybe' }, /TALKTALK_ENABLED/],
  ])('invalid %j stops start-up naming the key', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });
});

describe('incoming events', () => {
  test('unknown and mistyped extras never fail an event', () => {
    const parsed = incomingEventSchema.parse({ event: 'send', user: USER, textContent: { text: 5, code: ['x'], inputType: 'typing', shiny: true }, standby: 'yes', options: 7, newField: {} });
    expect(parsed.textContent?.text).toBeUndefined();
    expect(parsed.standby).toBe(false);
    expect(toInbound(parsed, 1, new Date()).kind).toBe('turn');
  });

  test('a pressed button reads as its code; the image keeps its link; handover metadata in either quoting', () => {
    const press = toInbound(incomingEventSchema.parse({ event: 'send', user: USER, textContent: { text: '상담원 연결', code: 'AGENT', inputType: 'button' } }), 2, new Date());
    expect(press.kind === 'turn' && press.activity.text).toBe('AGENT');
    const image = toInbound(incomingEventSchema.parse({ event: 'send', user: USER, imageContent: { imageUrl: 'https://talk.example/p/1.png' } }), 3, new Date());
    expect(image.kind === 'turn' && image.activity.attachments).toEqual([{ contentType: 'image/png', name: 'TalkTalk image', contentUrl: 'https://talk.example/p/1.png' }]);
    expect(handoverMetadata('{"managerNickname":"파트너닉네임","autoEnd":false}')).toEqual({ managerNickname: '파트너닉네임' });
    expect(handoverMetadata("{'managerNickname':'구매자','autoEnd':false}")).toEqual({ managerNickname: '구매자' });
    expect(handoverMetadata('not json')).toEqual({});
  });
});

describe('rendering within the documented limits', () => {
  const expectValid = (bodies: SendBody[]) => {
    for (const body of bodies) expect(violations(body)).toEqual([]);
  };

  test('a text over 10,000 characters is split, never cut', () => {
    const long = `${'가나다라마바사 '.repeat(3000)}끝`;
    const bodies = render({ type: 'message', text: long }, USER);
    expect(bodies.length).toBe(3);
    expectValid(bodies);
    expect(bodies.map((b) => (b as any).textContent.text).join(' ').replace(/\s+/g, ' ')).toBe(long.replace(/\s+/g, ' '));
  });

  test('suggested actions become quick replies: titles within 10, the whole value as code', () => {
    const activity: Partial<Activity> = {
      type: 'message',
      text: '어떤 도움이 필요하세요?',
      suggestedActions: { to: [], actions: [
        { type: 'imBack', title: '상품 삭제 방법이 궁금해요', value: '상품 삭제 방법이 궁금해요' },
        { type: 'imBack', title: '상담사 연결', value: '상담사 연결' },
        { type: 'openUrl', title: '판매자센터 가이드', value: 'https://sell.example.com/guide' },
      ] },
    };
    const [body] = render(activity, USER) as any[];
    expectValid([body]);
    expect(body.textContent.quickReply.buttonList).toEqual([
      { type: 'TEXT', data: { title: '상품 삭제 방법이…', code: '상품 삭제 방법이 궁금해요' } },
      { type: 'TEXT', data: { title: '상담사 연결', code: '상담사 연결' } },
      { type: 'LINK', data: { title: '판매자센터 가이드', url: 'https://sell.example.com/guide', mobileUrl: 'https://sell.example.com/guide' } },
    ]);
  });

  test('cards become composites (a carousel of at most 10), images imageContent, quick replies on the last', () => {
    const card = (n: number) => ({
      contentType: 'application/vnd.microsoft.card.hero',
      content: {
        title: `${n}번 카드 `.repeat(40),
        text: '설명 '.repeat(400),
        images: [{ url: '/webchat/uploads/a.png' }],
        buttons: Array.from({ length: 12 }, (_, i) => ({ type: 'imBack', title: `아주 긴 버튼 제목 ${i}번입니다`, value: `button-${i}` })),
      },
    });
    const activity: Partial<Activity> = {
      type: 'message',
      attachments: [...Array.from({ length: 12 }, (_, n) => card(n)), { contentType: 'image/png', contentUrl: '/webchat/uploads/b.png', name: 'b.png' }],
      suggestedActions: { to: [], actions: [{ type: 'imBack', title: '처음으로', value: '처음으로' }] },
    };
    const bodies = render(activity, USER, { publicBaseUrl: 'https://chat.example.com' }) as any[];
    expectValid(bodies);
    expect(bodies.map((b) => Object.keys(b).find((k) => k.endsWith('Content')))).toEqual(['compositeContent', 'compositeContent', 'imageContent']);
    expect(bodies[0].compositeContent.compositeList).toHaveLength(10);
    expect(bodies[1].compositeContent.compositeList).toHaveLength(2);
    expect(bodies[0].compositeContent.compositeList[0].image).toEqual({ imageUrl: 'https://chat.example.com/webchat/uploads/a.png' });
    expect(bodies[2].imageContent).toEqual({ imageUrl: 'https://chat.example.com/webchat/uploads/b.png', quickReply: { buttonList: [{ type: 'TEXT', data: { title: '처음으로', code: '처음으로' } }] } });
  });

  test('a body outside the limits is logged and replaced by plain text', () => {
    const lines: string[] = [];
    const capture = createLogger('error', { write: (line: string) => void lines.push(line) });
    const bad = { event: 'send', user: USER, textContent: { text: '안내', quickReply: { buttonList: [{ type: 'TEXT', data: { title: '열한 글자가 넘는 버튼 제목' } }] } } } as SendBody;
    const [fixed] = checked([bad], '안내', capture);
    expect(fixed).toEqual({ event: 'send', user: USER, textContent: { text: '안내' } });
    expect(violations(fixed)).toEqual([]);
    expect(lines.join('')).toMatch(/outside the documented limits/);
  });
});

describe('send API: header, retries and give-ups', () => {
  let gateway: FakeGateway;
  beforeAll(async () => {
    gateway = await new FakeGateway(KEY).start();
  });
  afterAll(() => gateway.stop());

  const body: SendBody = { event: 'send', user: USER, textContent: { text: '안녕하세요' } };
  const failureOf = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as SendApiFailure);

  test('the raw key as Authorization, JSON with charset; success:true is taken', async () => {
    const api = new TalkTalkSendApi({ url: gateway.url, authKey: KEY, logger });
    await api.post(body, new AbortController().signal);
    expect(gateway.bodiesFor(USER).at(-1)).toEqual(body);
    const wrong = new TalkTalkSendApi({ url: gateway.url, authKey: `Bearer ${KEY}`, logger });
    const failure = await failureOf(wrong.post(body, new AbortController().signal));
    expect(failure).toMatchObject({ permanent: true, resultCode: '01' });
    expect(gateway.refused.at(-1)?.authorization).toBe(`Bearer ${KEY}`);
  });

  test.each([
    [{ status: 503 }, false, 'http-503'],
    [{ status: 429 }, false, 'http-429'],
    [{ resultCode: '99' }, false, '99'],
    [{ resultCode: 'NEW-7' }, false, 'NEW-7'],
    [{ status: 200, body: '<html>' }, false, 'unreadable'],
    [{ resultCode: '01' }, true, '01'],
    [{ resultCode: '02' }, true, '02'],
    [{ resultCode: 'IMG-01' }, true, 'IMG-01'],
    [{ status: 404 }, true, 'http-404'],
  ] as const)('%j → permanent %s, counted as %s', async (failure, permanent, code) => {
    const api = new TalkTalkSendApi({ url: gateway.url, authKey: KEY, logger });
    gateway.failNext(failure);
    expect(await failureOf(api.post(body, new AbortController().signal))).toMatchObject({ permanent, resultCode: code });
    expect(api.failures.get(code)).toBe(1);
  });

  test('no answer: the attempt is aborted and retryable; no connection: retryable', async () => {
    const api = new TalkTalkSendApi({ url: gateway.url, authKey: KEY, logger });
    gateway.failNext('hang');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    expect(await failureOf(api.post(body, controller.signal))).toMatchObject({ permanent: false, resultCode: 'network' });
    const closed = new TalkTalkSendApi({ url: 'http://127.0.0.1:9/chatbot/v1/event', authKey: KEY, logger });
    expect(await failureOf(closed.post(body, new AbortController().signal))).toMatchObject({ permanent: false, resultCode: 'network' });
  });

  test('an activity of several bodies is retried from the body that failed', async () => {
    const push = new TalkTalkPush({ api: new TalkTalkSendApi({ url: gateway.url, authKey: KEY, logger }), logger, partner: () => 'wc8b1i', fallbackText: '…' });
    const user = 'retry-user';
    const activity: Partial<Activity> = { id: 'outbox-1', type: 'message', text: `${'첫 부분 '.repeat(1500)}\n${'둘째 부분 '.repeat(1500)}` };
    expect(push.bodies(activity, user)).toHaveLength(2);
    gateway.failNext({ status: 200, body: { success: true, resultCode: '00' } }, { resultCode: '99' });
    await expect(push.push(user, activity, new AbortController().signal)).rejects.toThrow(SendApiFailure);
    await push.push(user, activity, new AbortController().signal);
    const texts = gateway.textsFor(user);
    expect(texts).toHaveLength(1); // the first went out in the failed attempt (the fake answered it without recording)
    expect(texts[0]).toMatch(/^둘째 부분/);
    await push.push(user, { id: 'outbox-2', type: 'event', name: 'talktalk.handover', value: { control: 'passThread' } }, new AbortController().signal);
    expect(gateway.bodiesFor(user).at(-1)).toEqual({ event: 'handover', user, partner: 'wc8b1i', options: { control: 'passThread', targetId: 1 } });
  });
});

describe('durable inbox', () => {
  test('events run in order per conversation; closing while a turn waits keeps it for the next start', async () => {
    const store = openSqliteStores(':memory:').talkTalk;
    const queue = new InProcessTurnLock();
    const ran: string[] = [];
    let release!: () => void;
    const busy = new Promise<void>((resolve) => (release = resolve));
    const process = async (row: { event: string }) => void ran.push(row.event);
    const inbox = new TalkTalkInbox({ store, logger, turns: queue, process });
    for (const e of ['a1', 'a2', 'a3']) await inbox.add('a', e, Date.now());
    inbox.run('a');
    await inbox.idle();
    expect(ran).toEqual(['a1', 'a2', 'a3']);
    // Something else (an agent message being delivered) holds conversation b when its events arrive.
    void queue.run('b', () => busy);
    await inbox.add('b', 'b1', Date.now());
    inbox.run('b');
    const closed = inbox.close();
    release();
    await closed;
    expect(ran).toEqual(['a1', 'a2', 'a3']);
    expect(await store.pendingConversations()).toEqual(['b']);
    const next = new TalkTalkInbox({ store, logger, turns: queue, process });
    await next.start();
    await next.idle();
    expect(ran).toEqual(['a1', 'a2', 'a3', 'b1']);
    expect(await store.pendingCount('b')).toBe(0);
  });

  test('an event whose turn never finished three times is given up, the next one runs', async () => {
    const store = openSqliteStores(':memory:').talkTalk;
    const id = await store.addEvent('c', 'poison', Date.now());
    for (let i = 0; i < 3; i++) await store.startEvent(id);
    await store.addEvent('c', 'fine', Date.now());
    const ran: string[] = [];
    const inbox = new TalkTalkInbox({ store, logger, turns: new InProcessTurnLock(), process: async (row) => void ran.push(row.event) });
    await inbox.start();
    await inbox.idle();
    expect(ran).toEqual(['fine']);
    expect(await store.pendingCount('c')).toBe(0);
  });
});
