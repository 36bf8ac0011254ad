// Issue 13 through the path a seller's messages take: the HTTP route, the adapter, the handoff hub and
// the dialogs of a running server, replies read from the channel they were posted to. One test per
// point of the issue, in Korean and English.
import { ordinal } from '../../bot/handoff/waitingHelp';
import { detectLanguage } from '../../dialogs/language';
import { loadKnowledge } from '../../knowledge';
import { AGENT_TOKENS, MINJI, Seller, api, conversationPath, queue } from '../handoff/helpers';
import { ChannelServer } from '../support/channelServer';
import { type RunningBot, startBot } from '../support/botServer';

const k = loadKnowledge();
const ko = (key: Parameters<typeof k.text>[0], values?: Record<string, string | number>) => k.text(key, 'ko', values);
const en = (key: Parameters<typeof k.text>[0], values?: Record<string, string | number>) => k.text(key, 'en', values);

let bot: RunningBot;
let channel: ChannelServer;
let sequence = 0;

beforeAll(async () => {
  channel = new ChannelServer();
  await channel.start();
  bot = await startBot({ AGENT_TOKENS });
});

afterAll(async () => {
  await bot?.stop();
  await channel?.stop();
});

/** A seller who has already been welcomed, so each reply below is the answer alone. */
async function seller(language: 'ko' | 'en' = 'ko'): Promise<Seller & { ask(text: string): Promise<string[]> }> {
  const s = new Seller(bot, channel, `follow-${++sequence}`);
  const locale = language === 'en' ? 'en-US' : 'ko-KR';
  await s.say(language === 'en' ? 'hello' : '안녕하세요', { locale });
  return Object.assign(s, { ask: (text: string) => s.say(text, { locale }) });
}

const waiting = async (conversationId: string) => (await queue(bot)).waiting.find((w) => w.conversationId === conversationId);

test('1. topic context: a short follow-up is read against the topic just answered, never over a new topic or an agent request', async () => {
  const s = await seller();
  expect((await s.ask('고객센터 운영시간이 어떻게 돼요'))[0]).toContain(ko('hours.always'));
  expect((await s.ask('주말에는요?'))[0]).toContain(k.facets.hours.weekend.ko);
  expect((await s.ask('삭제한 상품 복구 되나요?'))[0]).toBe(ko('restore.policy'));

  const e = await seller('en');
  await e.ask('how long do I wait for an answer?');
  expect(await e.ask('and by phone?')).toEqual([k.facets.wait_time.phone.en]);
  expect((await e.ask('ok get me an agent now')).join('\n')).toContain(en('handoff.invite_details'));

  // After a restore answer, "what do I send / how long" are the restore's, not the general checklist.
  const r = await seller();
  await r.ask('삭제한 거 되살릴 수 있나요');
  expect(await r.ask('그럼 뭘 챙겨 드려야 돼요')).toContain(k.facets.restore_product.send.ko);
  const re = await seller('en');
  await re.ask('can I get back a product I removed');
  expect(await re.ask('how many days do I get?')).toContain(k.facets.restore_product.deadline.en);
  expect(await re.ask('and what info do you need from me')).toContain(k.facets.restore_product.send.en);
});

test('2. facets: a specific question gets its few lines, a general one the overview', async () => {
  const s = await seller();
  expect(await s.ask('상품 지우면 거래 데이터도 같이 없어져요?')).toEqual([k.facets.delete_product.data_loss.ko]);
  expect(await s.ask('복구 요청하려면 뭘 보내드려야 하나요')).toContain(k.facets.restore_product.send.ko);
  expect((await s.ask('상품 삭제하는 방법 알려 주세요'))[0]).toBe(ko('delete_product.steps'));

  const e = await seller('en');
  expect(await e.ask('can i delete lots of products in bulk?')).toEqual([k.facets.delete_product.bulk.en]);
  expect(await e.ask('do buyers get a notification when a product is deleted?')).toEqual([k.facets.customer_notice.notified.en]);
});

test('3. a question typed while buttons wait is answered; the re-ask is only for what is neither', async () => {
  const s = await seller();
  expect(await s.ask('상품 어떻게 지워요?')).toContain(ko('delete_product.ask_resolved'));
  expect(await s.ask('삭제 버튼은 어디 있어요?')).toEqual([k.facets.delete_product.where.ko]);

  const e = await seller('en');
  expect(await e.ask('how do i remove a product?')).toContain(en('delete_product.ask_resolved'));
  expect(await e.ask('hmm')).toEqual([en('reprompt')]);
  expect(await e.ask('and is there a time limit to restore one?')).toContain(k.facets.restore_product.deadline.en);

  // "Not solved" after the steps is the opposite of thanks: the deletion failed, so which problem?
  const failed = await seller();
  await failed.ask('상품 삭제하는 법 알려 주세요');
  await failed.ask('혹시 앱에서도 되나요?');
  expect((await failed.ask('해보니까 해결이 안 됐어요'))[0]).toContain(ko('delete_problem.ask'));
});

test('4. negation: "not an agent" never hands off and the rest is answered; "a person, not a bot" does', async () => {
  const s = await seller();
  expect((await s.ask('상담사는 필요 없고요 운영 시간만 알려 주세요'))[0]).toContain(ko('hours.always'));
  expect(await s.ask('채팅 말고 전화 상담도 있나요?')).toEqual([expect.stringContaining(k.channels.find((c) => c.id === 'phone')!.name.ko)]);
  // Declining with "됐어요" / "괜찮아요" is a negation only of an agent; "해결 됐어요" stays thanks.
  expect((await s.ask('사람 연결은 됐어요 복구 기간만 궁금해요'))[0]).toBe(k.facets.restore_product.deadline.ko);
  expect(await waiting(s.conversationId)).toBeUndefined();
  expect((await s.ask('챗봇 말고 사람이랑 이야기할래요')).join('\n')).toContain(ko('handoff.invite_details'));
  expect(await waiting(s.conversationId)).toMatchObject({ reason: 'requested' });

  const e = await seller('en');
  expect(await e.ask("i don't need an agent, can I restore a deleted listing?")).toContain(en('restore.policy'));
  expect(await waiting(e.conversationId)).toBeUndefined();
  expect((await e.ask('a human please, not a bot')).join('\n')).toContain(en('handoff.invite_details'));
});

test('5. two or three questions in one message are all answered, in order, without the welcome or the menu again', async () => {
  const s = await seller();
  const replies = await s.ask('운영시간이랑 대기시간 알려주세요');
  expect(replies).toHaveLength(2);
  expect(replies[0]).toContain(ko('hours.always'));
  expect(replies[1]).toContain(ko('wait.answer'));
  expect(channel.messages(s.conversationId).slice(-2).every((a) => !a.suggestedActions)).toBe(true);

  // A question and an agent request: the answer, then the queue.
  const both = await seller();
  const answered = await both.ask('운영시간이랑 상담사 연결 부탁드려요');
  expect(answered[0]).toContain(ko('hours.always'));
  expect(answered.at(-1)).toContain(ko('handoff.invite_details'));
  expect(await waiting(both.conversationId)).toMatchObject({ reason: 'requested' });

  // "-시고" hands over to the next request.
  const joined = await seller();
  const hoursThenAgent = await joined.ask('운영시간 알려주시고 상담사도 연결해 주세요');
  expect(hoursThenAgent[0]).toContain(ko('hours.always'));
  expect(hoursThenAgent.at(-1)).toContain(ko('handoff.invite_details'));

  const e = await seller('en');
  expect(await e.ask('how do I delete a product, and are buyers notified?')).toEqual([en('delete_product.steps'), k.facets.customer_notice.notified.en]);

  // Nothing marks where the second question starts: a sentence ending, or an English question word.
  const bare = await seller();
  const two = await bare.ask('복구는 언제까지 신청해야 하나요 고객센터 이메일 주소도 궁금해요');
  expect(two).toHaveLength(2);
  expect(two[0]).toBe(k.facets.restore_product.deadline.ko);
  expect(two[1]).toContain('이메일');
  const bareEn = await seller('en');
  expect(await bareEn.ask('can I restore a deleted product myself do buyers get an alert')).toEqual([
    k.facets.restore_product.self.en,
    k.facets.customer_notice.notified.en,
  ]);
  // A sentence that leads into the next ("…했는데요") is one message about one thing.
  const problem = k.problems.find((p) => p.id === 'still_visible')!;
  expect((await (await seller()).ask('상품을 삭제했는데요 검색하면 아직 나와요'))[0]).toBe(problem.checks.ko);
});

test('6. a named topic the bot does not cover is handed off by name (reason no_match + topic); traps never get deletion steps; complaints get an apology', async () => {
  const s = await seller();
  const named = await s.ask('정산금 지급일이 궁금해요');
  expect(named[0]).toBe(ko('handoff.named_topic', { topic: k.outOfScope.settlement.ko }));
  expect(named.join('\n')).not.toContain(ko('handoff.no_match'));
  expect(await waiting(s.conversationId)).toMatchObject({ reason: 'no_match', topic: 'settlement' });

  const trap = await seller();
  const option = await trap.ask('상품 옵션 중에 하나만 삭제하려면요');
  expect(option.join('\n')).not.toContain(ko('delete_product.steps'));
  expect(option[0]).toBe(ko('handoff.named_topic', { topic: k.outOfScope.option.ko }));

  // Another topic named inside a deletion question does not make it out of scope.
  const near = await seller();
  expect((await near.ask('품절된 재고 상품들 지우는 방법 좀요'))[0]).toBe(ko('delete_product.steps'));
  expect((await near.ask('상품 복구하면 리뷰도 다시 살아나나요?'))[0]).toBe(ko('restore.policy'));
  expect(await near.ask('상담원이랑 통화하려면 어느 번호로 걸어요?')).toEqual([expect.stringContaining(k.channels.find((c) => c.id === 'phone')!.name.ko)]);
  expect(await waiting(near.conversationId)).toBeUndefined();

  const angry = await seller();
  const apology = await angry.ask('문의 남긴 지 일주일째인데 아직도 답이 없네요');
  expect(apology[0]).toBe(ko('handoff.apology'));
  expect(await waiting(angry.conversationId)).toMatchObject({ reason: 'requested' });

  // Named in everyday words rather than the topic's own.
  const closing = await seller();
  expect((await closing.ask('가게 문 닫을 생각이에요'))[0]).toBe(ko('handoff.named_topic', { topic: k.outOfScope.account.ko }));
  expect(await waiting(closing.conversationId)).toMatchObject({ reason: 'no_match', topic: 'account' });
  const closingEn = await seller('en');
  expect((await closingEn.ask('thinking about shutting down my shop'))[0]).toBe(en('handoff.named_topic', { topic: k.outOfScope.account.en }));

  const e = await seller('en');
  expect((await e.ask('how can I remove a bad review from my store?'))[0]).toBe(en('handoff.named_topic', { topic: k.outOfScope.review.en }));
  const upset = await seller('en');
  expect((await upset.ask('nobody has answered my emails for a week now'))[0]).toBe(en('handoff.apology'));
});

test('7. ambiguous is asked once with both candidates and 상담사 연결; noise only gets a nudge', async () => {
  const s = await seller();
  const asked = await s.ask('삭제 관련해서 여쭤볼게요');
  expect(asked).toEqual([ko('clarify')]);
  const buttons = channel.messages(s.conversationId).at(-1)!.suggestedActions!.actions.map((a) => a.title);
  expect(buttons).toHaveLength(3);
  expect(buttons.at(-1)).toBe(ko('button.agent'));
  expect(await waiting(s.conversationId)).toBeUndefined();

  const noisy = await seller();
  for (const mash of ['ㅋㅋㅋㅋㅋ', 'qwerasdf', '🙂🙂']) expect(await noisy.ask(mash)).toEqual([ko('noise')]);
  const e = await seller('en');
  expect(await e.ask('hahaha')).toEqual([en('noise')]);
  expect(await waiting(noisy.conversationId)).toBeUndefined();
  expect(await waiting(e.conversationId)).toBeUndefined();
});

test('8. farewells close politely and "who are you" introduces the bot', async () => {
  const s = await seller();
  expect(await s.ask('네 그럼 안녕히 계세요')).toEqual([ko('farewell')]);
  expect(await s.ask('근데 너는 누구예요?')).toEqual([ko('identity')]);
  const e = await seller('en');
  expect(await e.ask('thanks, bye!')).toEqual([en('farewell')]);
  expect(await e.ask('who are you exactly?')).toEqual([en('identity')]);
  // Asking whether the bot is a person is no request for one.
  expect(await e.ask('wait, are you a real person?')).toEqual([en('identity')]);
  expect(await waiting(e.conversationId)).toBeUndefined();
  expect(await (await seller()).ask('너 정체가 뭐야')).toEqual([ko('identity')]);

  // "Not solved" after a topic other than deleting: acknowledged, and an agent offered, not assumed.
  const unsolved = await seller();
  await unsolved.ask('상담 가능한 시간이 언제예요');
  expect(await unsolved.ask('그걸로는 해결이 안 됐어요')).toEqual([ko('unresolved')]);
  expect(channel.messages(unsolved.conversationId).at(-1)!.suggestedActions!.actions.map((a) => a.title)).toEqual([ko('button.yes'), ko('button.no')]);
  expect(await waiting(unsolved.conversationId)).toBeUndefined();
  expect((await unsolved.ask('네')).join('\n')).toContain(ko('handoff.invite_details'));
  const unsolvedEn = await seller('en');
  await unsolvedEn.ask('how do I reach the customer center');
  expect(await unsolvedEn.ask("that didn't help")).toEqual([en('unresolved')]);
  expect(await unsolvedEn.ask('no')).toEqual([en('offer_declined')]);
  expect(await waiting(unsolvedEn.conversationId)).toBeUndefined();
});

test('9. the queue keeps helping: questions answered in place, details relayed, 대기 취소 button, the real question for the agent', async () => {
  const s = await seller();
  await s.ask('상품 삭제 후에 복구가 되는지 궁금해서요');
  const queued = await s.ask('상담사 연결 부탁해요');
  expect(queued.at(-1)).toContain(ko('handoff.leave_hint'));
  expect(channel.messages(s.conversationId).at(-1)!.suggestedActions!.actions.map((a) => a.title)).toEqual([ko('button.leave_queue')]);

  const { position } = (await waiting(s.conversationId))!;
  const answered = await s.ask('기다리는 동안 궁금한데 전화 상담은 얼마나 기다려요?');
  expect(answered).toEqual([k.facets.wait_time.phone.ko, ko('handoff.still_in_line', { position: ordinal(position, 'ko') })]);
  // A topic that ends by offering an agent does not offer one to a seller who is already waiting.
  const restore = await s.ask('삭제한 상품 복구 기한 있어요?');
  expect(restore).toEqual([k.facets.restore_product.deadline.ko, ko('handoff.still_in_line', { position: ordinal(position, 'ko') })]);
  expect(await s.ask('상품번호 5566778899 인데 삭제 버튼이 회색이에요')).toEqual([ko('handoff.message_received')]);
  const entry = await waiting(s.conversationId);
  expect(entry).toMatchObject({ position, productNumber: '5566778899' });
  expect(entry.summary).toContain('복구가 되는지 궁금해서요');
  expect(entry.summary).not.toContain('상담사 연결 부탁해요');
  const transcript = await api(bot, 'GET', conversationPath(s.conversationId, 'transcript'), { token: MINJI.token });
  const lines = transcript.body.messages.map((m: { role: string; text: string }) => `${m.role}:${m.text}`);
  expect(lines).toContain('seller:기다리는 동안 궁금한데 전화 상담은 얼마나 기다려요?');
  expect(lines).toContain(`bot:${k.facets.wait_time.phone.ko}`);
  expect(await s.ask('대기 취소')).toEqual([ko('handoff.left_queue')]);

  // Asked as a request ("…알려 주세요"), not a question: answered all the same.
  const asker = await seller();
  await asker.ask('사람이랑 얘기하고 싶어요');
  const place = ordinal((await waiting(asker.conversationId))!.position, 'ko');
  expect(await asker.ask('기다리는 동안 삭제하면 구매자한테 알림 가는지 알려 주세요')).toEqual([
    k.facets.customer_notice.notified.ko,
    ko('handoff.still_in_line', { position: place }),
  ]);
  await asker.ask('취소');

  const e = await seller('en');
  await e.ask('talk to an agent please');
  const placeEn = ordinal((await waiting(e.conversationId))!.position, 'en');
  expect(await e.ask('meanwhile, are you open on holidays?')).toEqual([`${k.facets.hours.holiday.en}\n${en('hours.always')}`, en('handoff.still_in_line', { position: placeEn })]);
  // "while I wait," frames the question: the holiday answer, not the wait.
  const framed = await e.ask('while I wait, are you open on weekends?');
  expect(framed[0]).toContain(k.facets.hours.weekend.en);
  expect(framed.at(-1)).toBe(en('handoff.still_in_line', { position: placeEn }));
  expect(await e.ask('cancel')).toEqual([en('handoff.left_queue')]);

  // Questions without a question mark: a question word, or an informal ending.
  const plain = await seller();
  await plain.ask('상담사 바꿔 주세요');
  const spot = ordinal((await waiting(plain.conversationId))!.position, 'ko');
  for (const question of ['얼마나 걸려요', '주말에도 상담되나']) {
    const reply = await plain.ask(question);
    expect(reply.length).toBeGreaterThan(1);
    expect(reply.at(-1)).toBe(ko('handoff.still_in_line', { position: spot }));
  }
});

test('10. a Korean conversation stays Korean through an English word, and switches on an English sentence', async () => {
  const s = await seller();
  expect((await s.ask('삭제 버튼 어디 있어요'))[0]).toBe(k.facets.delete_product.where.ko);
  expect((await s.ask('agent')).join('\n')).toContain(ko('handoff.invite_details'));
  await s.ask('취소');
  expect((await s.ask('Sorry, could you tell me your opening hours in English?'))[0]).toContain(en('hours.always'));
  // An English answer quoting the Korean screen label ("(상품 관리)") is English, as the evaluation reads it.
  const where = await s.ask('where is the delete menu?');
  expect(where).toEqual([k.facets.delete_product.where.en]);
  expect(detectLanguage(where.join('\n'))).toBe('en');
});
