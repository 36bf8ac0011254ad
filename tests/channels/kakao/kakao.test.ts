// KakaoTalk end to end: a fake Kakao platform (fakeKakao.ts) calls the real bot's skill endpoint over
// HTTP, checks every answer against the documented limits and the 5-second budget, and plays the Event
// API and callback URLs; agents use the real agent API.
import { type RunningBot, startBot } from '../../support/botServer';
import { AGENT_TOKENS, MINJI, accept, api, closeAsAgent, conversationPath, ko, queue, sendAsAgent } from '../../handoff/helpers';
import { BOT_ID, EVENT_NAME, FakeKakao, REST_API_KEY, SKILL_SECRET, skillRequest } from './fakeKakao';

const BASE_ENV = {
  AGENT_TOKENS,
  KAKAO_ENABLED: 'true',
  KAKAO_SKILL_SECRET: SKILL_SECRET,
  KAKAO_BOT_ID: BOT_ID,
  // Agents may write long messages here (the 더 보기 case); a seller's 20,000 characters are still cut.
  MAX_MESSAGE_LENGTH: '4000',
  CHANNEL_TIMEOUT_MS: '3000',
  SIGNIN_RATE_LIMIT_PER_MINUTE: '1000',
};

async function kakaoBot(platform: FakeKakao, env: Record<string, string> = {}, dataDir?: string): Promise<RunningBot> {
  const bot = await startBot({ ...BASE_ENV, KAKAO_API_URL: platform.url, ...env }, { dataDir });
  platform.skillUrl = `${bot.url}/api/kakao/skill`;
  return bot;
}

const withEventApi = { KAKAO_REST_API_KEY: REST_API_KEY, KAKAO_EVENT_NAME: EVENT_NAME };

/** Resolves once `check` passes (polled), for what the platform does on its own (the pull after a ring). */
async function eventually<T>(check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const transcriptOf = async (bot: RunningBot, id: string) => (await api(bot, 'GET', conversationPath(id, 'transcript'), { token: MINJI.token })).body;

let platform: FakeKakao;

beforeEach(async () => {
  platform = await new FakeKakao().start();
});

afterEach(async () => {
  await platform.stop();
  for (const answer of platform.answers) expect(answer.elapsedMs).toBeLessThan(5000);
});

test('a full day with the Event API: question, quick reply, agent mid-dialog, ring then pull, the seller writing back, the close, the bot again', async () => {
  const bot = await kakaoBot(platform, withEventApi);
  try {
    const seller = platform.seller('c8a1f0e2d3b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f708192a3b4c5d6e7f809', true);
    const id = seller.conversationId;

    const steps = await seller.say('상품 삭제는 어떻게 하나요?');
    expect(steps.join('\n')).toContain(ko('delete_product.ask_resolved'));
    expect(seller.quickReplies().length).toBeGreaterThan(0);
    // A quick reply is pressed: its messageText is the utterance, its extra the clientExtra.
    await seller.press(seller.quickReplies()[0]!);

    // The agent request mid-dialog: queued like any seller's, addressed as kakao:<botUserKey>.
    const queued = await seller.say('상담사 연결해 주세요');
    expect(queued.join('\n')).toContain(ko('handoff.queued_no_agents', { position: '첫 번째' }).split('\n')[0]);
    expect((await queue(bot)).waiting).toEqual([expect.objectContaining({ conversationId: id, channelId: 'kakao' })]);

    // The agent accepts: the joined notice rings the seller (development channel: bot id with "!").
    expect((await accept(bot, MINJI, id)).status).toBe(200);
    const pulledJoin = await eventually(() => platform.pulled.get(seller.userKey)?.[0]);
    expect(pulledJoin).toEqual([ko('handoff.agent_joined', { agent: MINJI.name })]);
    expect(platform.rings[0]).toMatchObject({
      botId: `${BOT_ID}!`,
      authorization: `KakaoAK ${REST_API_KEY}`,
      body: { event: { name: EVENT_NAME }, user: [{ type: 'botUserKey', id: seller.userKey }], params: { pull: '1' } },
    });

    // An agent message: accepted by the Event API = delivered for the agent API; the pull shows it.
    const sent = await sendAsAgent(bot, MINJI, id, '확인해 보니 복구 가능해요.');
    expect(sent.status).toBe(200);
    expect(sent.body.delivered).toBe(true);
    expect(await eventually(() => platform.pulled.get(seller.userKey)?.[1])).toEqual([`${ko('handoff.agent_prefix', { agent: MINJI.name })} 확인해 보니 복구 가능해요.`]);

    // A burst while the seller has not fetched yet: one ring for all of it (Kakao bills each).
    platform.autoPull = false;
    const ringsBefore = platform.rings.length;
    await sendAsAgent(bot, MINJI, id, '하나 더 알려 드릴게요.');
    await sendAsAgent(bot, MINJI, id, '복구 기간은 삭제 후 30일이에요.');
    expect(platform.rings.length).toBe(ringsBefore + 1);

    // The seller writes back: first what waits, oldest first; their message goes to the agent (no bot answer).
    expect(await seller.say('감사합니다 확인했어요')).toEqual([
      `${ko('handoff.agent_prefix', { agent: MINJI.name })} 하나 더 알려 드릴게요.`,
      `${ko('handoff.agent_prefix', { agent: MINJI.name })} 복구 기간은 삭제 후 30일이에요.`,
    ]);
    // With nothing waiting, a relayed message is acknowledged (no answer is ever empty).
    expect(await seller.say('하나만 더 여쭤볼게요')).toEqual([ko('kakao.ack')]);
    const transcript = await transcriptOf(bot, id);
    expect(transcript.messages.map((m: { text: string }) => m.text)).toEqual(expect.arrayContaining(['감사합니다 확인했어요', '하나만 더 여쭤볼게요']));

    // The close: its summary rings and is pulled, with the case number.
    platform.autoPull = true;
    const closed = await closeAsAgent(bot, MINJI, id);
    expect(closed.status).toBe(200);
    const summary = await eventually(() => platform.pulled.get(seller.userKey)?.find((shown) => shown.join('').includes(closed.body.caseNumber)));
    expect(summary.join('')).toContain(closed.body.caseNumber);

    // The bot again, and a pull with nothing waiting is one short line.
    expect((await seller.say('상품 삭제 방법 알려 주세요')).join('\n')).toContain(ko('delete_product.ask_resolved'));
    expect(await seller.call({ userKey: seller.userKey, utterance: '', params: { pull: '1' } })).toEqual([ko('kakao.nothing_waiting')]);
    expect(bot.app.channels.get('kakao')).toMatchObject({ stats: { ringFailures: 0, callbackFailures: 0, invalidResponses: 0 } });
  } finally {
    await bot.stop();
  }
});

test('no Event API: agent messages wait for the seller (202 next_message), who was told; a long one follows behind 더 보기, across a restart', async () => {
  let bot = await kakaoBot(platform);
  const seller = platform.seller('a1b2c3d4e5f60718293a4b5c6d7e8f90');
  const id = seller.conversationId;
  try {
    const queued = await seller.say('상담사 연결해 주세요');
    expect(queued).toContain(ko('kakao.replies_on_next_message'));
    expect((await accept(bot, MINJI, id)).body.notified).toBe(false);
    const long = Array.from({ length: 60 }, (_, i) => `${i + 1}번째 안내 문장이에요, 삭제한 상품은 복구 기간 안에만 되살릴 수 있어요.`).join(' ');
    const sent = await sendAsAgent(bot, MINJI, id, long);
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ delivered: false, pending: 'next_message' });
    expect(platform.rings).toEqual([]);

    // The seller writes: the joined notice and the agent's long message come first, three bubbles at most.
    const first = await seller.say('답변 왔나요?');
    expect(first[0]).toBe(ko('handoff.agent_joined', { agent: MINJI.name }));
    expect(seller.quickReplies()).toEqual([ko('kakao.more')]);

    // A restart before the seller presses 더 보기: nothing is lost.
    await bot.stop({ keepData: true });
    bot = await kakaoBot(platform, {}, bot.dataDir);
    const rest: string[] = [];
    while (seller.quickReplies().includes(ko('kakao.more'))) rest.push(...(await seller.press(ko('kakao.more'))));
    const shown = [...first, ...rest].join(' ').replace(/\s+/g, ' ');
    expect(shown).toContain(`${ko('handoff.agent_prefix', { agent: MINJI.name })} ${long}`.replace(/\s+/g, ' '));
    // Taken by the seller: delivered for the agents.
    const transcript = await transcriptOf(bot, id);
    expect(transcript.messages.filter((m: { role: string }) => m.role === 'agent').every((m: { delivered: boolean }) => m.delivered)).toBe(true);
  } finally {
    await bot.stop();
  }
});

test('platform mode: Kakao\'s own agent chat (operator button) with the summary; transferred, never queued', async () => {
  const bot = await kakaoBot(platform, { KAKAO_HANDOFF: 'platform' });
  try {
    const seller = platform.seller('f00dbabe00112233445566778899aabb');
    await seller.say('상품 삭제가 안 돼요');
    await seller.say('상담사 연결해 주세요');
    const outputs = seller.lastAnswer!.template!.outputs;
    const card = outputs.find((o: any) => o.textCard)!.textCard;
    expect(card.buttons).toEqual([{ action: 'operator', label: ko('button.agent') }]);
    expect(card.description).toContain(ko('kakao.operator_offer'));
    expect(card.description).toContain('상품 삭제가 안 돼요');
    expect((await queue(bot)).waiting).toEqual([]);
    expect(await bot.app.hub.store.latestSession(seller.conversationId)).toMatchObject({ status: 'closed', closedBy: 'platform' });
  } finally {
    await bot.stop();
  }
});

test('the 5-second rule: a turn held past the budget answers 잠시만요 and finishes on the callback URL; without one, on the next call', async () => {
  // The turn lock is held while an agent message is being rung for (a slow Event API): the seller's call waits behind it.
  // A budget far above a normal turn on a busy machine, a ring far above the budget.
  const bot = await kakaoBot(platform, { ...withEventApi, KAKAO_REPLY_BUDGET_MS: '800' });
  const slowRing = 2000;
  try {
    platform.autoPull = false;
    const seller = platform.seller('0123456789abcdef0123456789abcdef');
    const id = seller.conversationId;
    await seller.say('상담사 연결해 주세요');
    await accept(bot, MINJI, id);
    // Fetching the joined notice answers the ring: the next agent message rings again.
    expect(await seller.say('네')).toEqual([ko('handoff.agent_joined', { agent: MINJI.name })]);
    platform.eventApiDelayMs = slowRing;
    const agentMessage = sendAsAgent(bot, MINJI, id, '지금 확인하고 있어요.');
    await eventually(() => (platform.rings.length >= 2 ? true : undefined));
    const callbackUrl = platform.callbackUrl();
    const started = Date.now();
    const raw = await platform.skill(skillRequest({ userKey: seller.userKey, utterance: '아직인가요?', callbackUrl }));
    expect(Date.now() - started).toBeLessThan(slowRing);
    expect(raw.body).toEqual({ version: '2.0', useCallback: true, data: { text: ko('kakao.wait') } });
    const final = await platform.waitForCallback(callbackUrl);
    expect(final.template!.outputs.map((o: any) => o.simpleText?.text)).toEqual([`${ko('handoff.agent_prefix', { agent: MINJI.name })} 지금 확인하고 있어요.`]);
    expect((await agentMessage).body.delivered).toBe(true);

    // No callback URL: what is ready now (nothing: the lock is held), the rest on the next call.
    const again = sendAsAgent(bot, MINJI, id, '조금만 기다려 주세요.');
    await eventually(() => (platform.rings.length >= 3 ? true : undefined));
    expect(await seller.say('네')).toEqual([ko('kakao.still_working')]);
    await again;
    platform.eventApiDelayMs = 0;
    expect(await seller.say('이제 왔나요?')).toEqual([`${ko('handoff.agent_prefix', { agent: MINJI.name })} 조금만 기다려 주세요.`]);

    // A callback URL Kakao refuses (a used or test-console token): logged and counted, the answer waits.
    platform.eventApiDelayMs = slowRing;
    const third = sendAsAgent(bot, MINJI, id, '확인 끝났어요.');
    await eventually(() => (platform.rings.length >= 4 ? true : undefined));
    const refused = await platform.skill(skillRequest({ userKey: seller.userKey, utterance: '결과 나왔나요?', callbackUrl: `${platform.url}/v1/bots/${BOT_ID}/callback/used-token` }));
    expect(refused.body.useCallback).toBe(true);
    await third;
    const kakao = bot.app.channels.get('kakao') as unknown as { stats: { callbacks: number; callbackFailures: number; ringFailures: number } };
    await eventually(() => (kakao.stats.callbackFailures === 1 ? true : undefined));
    platform.eventApiDelayMs = 0;

    // An Event API refusal (the seller blocked the channel): the agent sees it undelivered, counted; it still waits.
    platform.eventApiMode = 'fail';
    const blocked = await sendAsAgent(bot, MINJI, id, '마지막 안내예요.');
    expect(blocked.status).toBe(502);
    expect(kakao.stats).toMatchObject({ callbacks: 1, callbackFailures: 1, ringFailures: 1 });
    expect(await seller.say('혹시 더 있나요?')).toEqual([
      `${ko('handoff.agent_prefix', { agent: MINJI.name })} 확인 끝났어요.`,
      `${ko('handoff.agent_prefix', { agent: MINJI.name })} 마지막 안내예요.`,
    ]);
  } finally {
    await bot.stop();
  }
});

test('bad input: wrong or missing secret, broken JSON, no user, another bot, unknown fields, 20,000 characters', async () => {
  const bot = await kakaoBot(platform);
  try {
    const good = skillRequest({ userKey: 'bad-input-user', utterance: '안녕하세요' });
    const expectJsonError = (result: { status: number; body: any }, status: number) => {
      expect(result.status).toBe(status);
      expect(result.body).toEqual({ code: expect.any(String), message: expect.any(String) });
    };
    expectJsonError(await platform.skill(good, { 'x-skill-token': 'wrong-secret-of-the-same-length-123456' }), 401);
    expectJsonError(await platform.skill(good, {}), 401);
    expectJsonError(await platform.skill('{"userRequest": {"user": {"id": "x"}', { 'x-skill-token': SKILL_SECRET }), 400);
    expectJsonError(await platform.skill('[1, 2]', { 'x-skill-token': SKILL_SECRET }), 400);
    expectJsonError(await platform.skill(skillRequest({ userKey: '' }), { 'x-skill-token': SKILL_SECRET }), 400);
    expectJsonError(await platform.skill({ ...good, userRequest: { utterance: 'hi' } }, { 'x-skill-token': SKILL_SECRET }), 400);
    expectJsonError(await platform.skill(skillRequest({ userKey: 'u', utterance: 'hi', botId: '000000000000000000000000' }), { 'x-skill-token': SKILL_SECRET }), 403);

    // Unknown and odd fields are ignored; the answer is a normal one.
    const odd = { ...good, brandNew: { x: [1, { y: null }] }, action: { clientExtra: 'not an object', params: 7 }, userRequest: { ...(good.userRequest as object), lang: 42, isInSlotFilling: true, value: { origin: '1', resolved: '1' } } };
    const answered = await platform.skill(odd);
    expect(answered.status).toBe(200);
    expect(answered.body.template.outputs.length).toBeGreaterThan(0);

    // 20,000 characters: read up to MAX_MESSAGE_LENGTH, said so, answered within the limits.
    const seller = platform.seller('long-text-user');
    const shown = await seller.say('가'.repeat(20_000));
    expect(shown.join('\n')).toContain(ko('message_truncated', { max: 4000 }));

    // Still answering.
    expect((await platform.seller('after-bad-input').say('안녕하세요')).length).toBeGreaterThan(0);
  } finally {
    await bot.stop();
  }
});
