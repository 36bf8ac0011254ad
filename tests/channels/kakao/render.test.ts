// The renderer on its own: every answer within Kakao's documented limits (checked by the fake platform's
// schema, not the bot's), nothing cut, what does not fit kept for "더 보기". Plus the configuration keys.
import { CardFactory, MessageFactory } from 'botbuilder';
import { ConfigError, loadConfig } from '../../../bot/config';
import { kakaoSettings } from '../../../bot/channels/kakao/config';
import { parseSkillRequest } from '../../../bot/channels/kakao/request';
import { type RenderOptions, render, splitText } from '../../../bot/channels/kakao/render';
import { kakaoRefuses, skillRequest } from './fakeKakao';

const options: RenderOptions = { texts: { more: '더 보기', acknowledgement: '확인했어요.', apology: '죄송해요.' }, publicBaseUrl: 'https://chat.example.com' };

/** Renders, then follows "더 보기" until nothing is left; returns every answer. */
function renderAll(activities: Parameters<typeof render>[0]) {
  const answers = [];
  let rest = activities;
  for (let i = 0; i < 50 && (i === 0 || rest.length); i++) {
    const rendered = render(rest, options);
    expect(kakaoRefuses(rendered.response)).toBeUndefined();
    answers.push(rendered.response as any);
    rest = rendered.rest;
  }
  expect(rest).toEqual([]);
  return answers;
}

const textsOf = (answers: any[]) => answers.flatMap((a) => a.template.outputs.map((o: any) => o.simpleText?.text ?? ''));

test('a 5,000-character answer is split at sentence ends into bubbles of at most 1,000, none lost, the rest behind 더 보기', () => {
  const sentence = '상품을 삭제하려면 판매자센터에서 상품 조회/수정 메뉴로 이동해 주세요. ';
  const long = sentence.repeat(Math.ceil(5000 / sentence.length)).trim();
  const answers = renderAll([MessageFactory.suggestedActions(['처음으로', '상담사 연결'], long)]);
  expect(answers.length).toBe(2);
  expect(answers[0].template.quickReplies).toEqual([{ label: '더 보기', action: 'message', messageText: '더 보기', extra: { kakao: 'more' } }]);
  // The turn's own buttons come with its last part.
  expect(answers[1].template.quickReplies.map((q: any) => q.label)).toEqual(['처음으로', '상담사 연결']);
  const texts = textsOf(answers);
  for (const t of texts) expect(t.length).toBeLessThanOrEqual(1000);
  expect(texts.every((t) => t.endsWith('주세요.'))).toBe(true);
  expect(texts.join(' ').replace(/\s+/g, ' ')).toBe(long.replace(/\s+/g, ' '));
});

test('five short messages: three bubbles, the shortest neighbours merged, rather than two answers', () => {
  const answers = renderAll(['첫째', '둘째', '셋째', '넷째', '다섯째'].map((t) => MessageFactory.text(t)));
  expect(answers.length).toBe(1);
  expect(textsOf(answers)).toEqual(['첫째\n\n둘째', '셋째\n\n넷째', '다섯째']);
});

test('a turn that says nothing answers a short acknowledgement', () => {
  const { response, rest } = render([{ type: 'typing' }], options);
  expect(response).toEqual({ version: '2.0', template: { outputs: [{ simpleText: { text: '확인했어요.' } }] } });
  expect(rest).toEqual([]);
});

test('hero cards: basicCard with an image (relative URL on PUBLIC_BASE_URL), textCard without; long labels fit; extra buttons become quick replies', () => {
  const withImage = CardFactory.heroCard('삭제 전 확인하세요', '삭제한 상품은 복구 기간이 지나면 되살릴 수 없어요.', ['/webchat/uploads/guide.png'], [
    { type: 'openUrl', title: '가이드 보기', value: 'https://example.com/guide' },
    { type: 'imBack', title: '삭제한 상품을 복구하는 방법 알려줘', value: '삭제한 상품을 복구하는 방법 알려줘' },
  ]);
  const noImage = CardFactory.heroCard('운영 시간', '평일 09:00-18:00', [], ['하나', '둘', '셋', '넷', '다섯']);
  const [answer] = renderAll([{ type: 'message', attachments: [withImage, noImage] }]);
  const [basic, text] = answer.template.outputs;
  expect(basic.basicCard.thumbnail.imageUrl).toBe('https://chat.example.com/webchat/uploads/guide.png');
  expect(basic.basicCard.buttons[1]).toEqual({ action: 'message', label: '삭제한 상품을 복구하는…', messageText: '삭제한 상품을 복구하는 방법 알려줘' });
  expect(text.textCard.buttons.map((b: any) => b.label)).toEqual(['하나', '둘', '셋']);
  expect(answer.template.quickReplies.map((q: any) => q.label)).toEqual(['넷', '다섯']);
});

test('a card whose text is over the card limits shows the whole text as bubbles, the card keeps its buttons', () => {
  const card = CardFactory.thumbnailCard('안내', '가'.repeat(900), ['https://example.com/a.png'], ['확인']);
  const answers = renderAll([{ type: 'message', attachments: [card] }]);
  expect(textsOf(answers).join('')).toContain('가'.repeat(900));
  const basic = answers.flatMap((a) => a.template.outputs).find((o: any) => o.basicCard);
  expect(basic.basicCard.thumbnail.fixedRatio).toBe(true);
  expect(basic.basicCard.buttons).toEqual([{ action: 'message', label: '확인', messageText: '확인' }]);
});

test('the 30 KB cap: outputs that would pass it wait behind 더 보기', () => {
  const url = `https://example.com/${'a'.repeat(1900)}`;
  const cards = Array.from({ length: 3 }, (_, i) => CardFactory.heroCard(`카드 ${i}`, '가'.repeat(220), [url], [{ type: 'openUrl', title: '열기', value: url }, { type: 'openUrl', title: '또 열기', value: url }, { type: 'openUrl', title: '하나 더', value: url }]));
  const texts = Array.from({ length: 3 }, () => MessageFactory.text('나'.repeat(1000)));
  const answers = renderAll([...texts.slice(0, 1), { type: 'message', attachments: cards }, ...texts.slice(1)]);
  for (const a of answers) expect(Buffer.byteLength(JSON.stringify(a))).toBeLessThanOrEqual(30_000);
  expect(answers.flatMap((a) => a.template.outputs).length).toBe(6);
});

test('text splitting is linear and never splits an emoji', () => {
  const emoji = '😀'.repeat(60_000);
  const started = performance.now();
  const chunks = splitText(emoji, 1000);
  expect(performance.now() - started).toBeLessThan(500);
  expect(chunks.join('')).toBe(emoji);
  for (const c of chunks) expect(c.length).toBeLessThanOrEqual(1000);
});

test('skill requests are read tolerantly: unknown fields, null clientExtra, odd lang, no utterance', () => {
  const body = skillRequest({ userKey: 'user-1', utterance: '안녕하세요', clientExtra: null, development: true });
  Object.assign(body, { somethingNew: { nested: [1, 2] } });
  (body.userRequest as any).lang = null;
  (body.userRequest as any).isInSlotFilling = true;
  const parsed = parseSkillRequest(body);
  expect(parsed).toMatchObject({ ok: true, call: { userKey: 'user-1', utterance: '안녕하세요', development: true, botId: '65a1b2c3d4e5f60718293a4b', pull: false } });
  const pull = parseSkillRequest(skillRequest({ userKey: 'user-1', noUtterance: true }));
  expect(pull).toMatchObject({ ok: true, call: { pull: true, utterance: '' } });
  expect(parseSkillRequest({ userRequest: { user: {} } })).toMatchObject({ ok: false, message: expect.stringContaining('userRequest.user.id') });
});

test.each([
  [{ KAKAO_ENABLED: 'true' }, /KAKAO_SKILL_SECRET: required/],
  [{ KAKAO_ENABLED: 'true', KAKAO_SKILL_SECRET: 'short' }, /KAKAO_SKILL_SECRET: at least 24/],
  [{ KAKAO_ENABLED: 'maybe' }, /KAKAO_ENABLED/],
  [{ KAKAO_SKILL_HEADER: 'X Skill' }, /KAKAO_SKILL_HEADER/],
  [{ KAKAO_BOT_ID: '65a1b2c3d4e5f60718293a4b!' }, /KAKAO_BOT_ID: the operating bot id/],
  [{ KAKAO_REST_API_KEY: 'key' }, /KAKAO_BOT_ID: required with KAKAO_REST_API_KEY/],
  [{ KAKAO_REST_API_KEY: 'key', KAKAO_BOT_ID: 'abc' }, /KAKAO_EVENT_NAME: required/],
  [{ KAKAO_EVENT_NAME: 'agent_reply' }, /KAKAO_REST_API_KEY: required/],
  [{ KAKAO_API_URL: 'https://bot-api.kakao.com/v2' }, /KAKAO_API_URL: expected the address alone/],
  [{ KAKAO_API_URL: 'bot-api.kakao.com' }, /KAKAO_API_URL/],
  [{ KAKAO_REPLY_BUDGET_MS: '5000' }, /KAKAO_REPLY_BUDGET_MS/],
  [{ KAKAO_HANDOFF: 'both' }, /KAKAO_HANDOFF/],
])('invalid Kakao configuration %j stops start-up naming the key', (env, message) => {
  expect(() => loadConfig(env)).toThrow(ConfigError);
  expect(() => loadConfig(env)).toThrow(message);
});

test('Kakao settings: off by default; the Event API only with key, event and bot id', () => {
  expect(kakaoSettings(loadConfig({}))).toBeUndefined();
  const on = kakaoSettings(loadConfig({ KAKAO_ENABLED: 'true', KAKAO_SKILL_SECRET: 'x'.repeat(24) }))!;
  expect(on).toMatchObject({ skillHeader: 'x-skill-token', replyBudgetMs: 3500, handoff: 'hub', eventApi: undefined });
  const ringing = kakaoSettings(loadConfig({ KAKAO_ENABLED: 'true', KAKAO_SKILL_SECRET: 'x'.repeat(24), KAKAO_REST_API_KEY: 'k', KAKAO_EVENT_NAME: 'e', KAKAO_BOT_ID: 'b' }))!;
  expect(ringing.eventApi).toEqual({ apiUrl: 'https://bot-api.kakao.com', restApiKey: 'k', eventName: 'e', botId: 'b' });
});
