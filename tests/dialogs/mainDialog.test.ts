// The router and the interruptions every topic dialog inherits, through MainDialog as the bot runs it.
import { ConversationState, MemoryStorage } from 'botbuilder';
import { MainDialog } from '../../dialogs/mainDialog';
import type { DialogConfig } from '../../dialogs/services';
import type { Language } from '../../knowledge';
import { handoffMarker } from './fakes';
import { DialogConversation, type TestServices, buttons, knowledge, menuLabels, realClassifier, t, testServices, texts, yesNoLabels } from './harness';

beforeAll(() => realClassifier());

let services: TestServices;
let chat: DialogConversation;
function start(language: Language = 'ko', config: Partial<DialogConfig> = {}): void {
  services = testServices({ config });
  const conversationState = new ConversationState(new MemoryStorage());
  chat = new DialogConversation(new MainDialog(services, conversationState), language, conversationState);
}
const stackIsEmpty = () => chat.client.dialogTurnResult.status !== 'waiting';
const problem = (id: string) => knowledge.problems.find((p) => p.id === id)!;

beforeEach(() => start());

describe('routing', () => {
  test.each([
    ['상품 삭제하는 법 알려주세요', 'delete_product.steps'],
    ['삭제한 상품 복구할 수 있나요?', 'restore.policy'],
    ['삭제하면 구매자는 어떻게 돼요?', 'notice.answer'],
    ['상담 전에 뭘 준비해야 하나요', 'prepare.checklist'],
    ['고객센터에 연락하는 방법 알려주세요', 'channels.intro'],
    ['상담 연결까지 얼마나 기다려야 해요?', 'wait.answer'],
    ['몇 시까지 상담해요?', 'hours.always'],
    ['감사합니다', 'thanks'],
  ] as const)('%s → %s', async (said, key) => {
    const replies = await chat.say(said);
    expect(replies[0].text!.startsWith(t(key))).toBe(true);
  });

  test('English message → English answer', async () => {
    start('en');
    const replies = await chat.say('How do I delete a product?');
    expect(texts(replies)).toEqual([t('delete_product.steps', 'en'), t('delete_product.ask_resolved', 'en')]);
  });

  test('agent → handoff requested', async () => {
    expect(texts(await chat.say('상담사 연결해 주세요'))).toEqual([handoffMarker('requested')]);
    expect(services.handoff.requests.map((r) => r.reason)).toEqual(['requested']);
  });

  test('"삭제했는데 아직 보여요" goes straight to the checks for that problem', async () => {
    expect(texts(await chat.say('삭제했는데 아직 보여요'))[0]).toBe(problem('still_visible').checks.ko);
  });
});

describe('buttons', () => {
  test('clicking a menu label (imBack) starts its topic, in either language', async () => {
    for (const entry of knowledge.menu.filter((m) => m.intent !== 'agent')) {
      for (const language of ['ko', 'en'] as const) {
        start(language);
        const replies = await chat.say(entry.label[language]);
        expect(replies.length).toBeGreaterThan(0);
        expect(services.handoff.requests).toEqual([]);
        expect(texts(replies).join('\n')).not.toContain(t('not_understood', language));
      }
    }
  });

  test('"Contact options" is the contact topic even though the classifier alone would not say so', async () => {
    start('en');
    expect((await chat.say('Contact options'))[0].text!.startsWith(t('channels.intro', 'en'))).toBe(true);
  });

  test('the agent menu button hands off', async () => {
    await chat.say(knowledge.menu.find((m) => m.intent === 'agent')!.label.ko);
    expect(services.handoff.requests.map((r) => r.reason)).toEqual(['requested']);
  });

  test('a postBack value { intent } starts that topic without any text', async () => {
    start('en');
    expect(texts(await chat.say({ value: { intent: 'prepare_info' } }))).toEqual([t('prepare.checklist', 'en')]);
  });

  test('a problem label clicked when nothing is running goes straight to its checks', async () => {
    expect(texts(await chat.say(problem('error').label.ko))[0]).toBe(problem('error').checks.ko);
  });

  test('a stale 예 / 아니요 with no question waiting gets the menu, not an agent', async () => {
    for (const label of yesNoLabels('ko')) {
      const replies = await chat.say(label);
      expect(texts(replies)).toEqual([t('noise')]);
      expect(buttons(replies[0])).toEqual(menuLabels('ko'));
    }
    expect(services.handoff.requests).toEqual([]);
  });
});

describe('interruptions while a question waits', () => {
  beforeEach(async () => {
    await chat.say('상품 삭제 방법'); // now waiting on "해결되셨나요?"
  });

  test('상담사 연결해 주세요 → everything cancelled, handoff requested', async () => {
    expect(texts(await chat.say('상담사 연결해 주세요'))).toEqual([handoffMarker('requested')]);
    expect(services.handoff.requests.map((r) => r.reason)).toEqual(['requested']);
    expect(stackIsEmpty()).toBe(true);
    // The old question is gone: 예 now is just a stray word.
    expect(texts(await chat.say('예'))).toEqual([t('noise')]);
  });

  test('취소 → cancel_done with the menu, nothing left running', async () => {
    const replies = await chat.say('취소');
    expect(texts(replies)).toEqual([t('cancel_done')]);
    expect(buttons(replies[0])).toEqual(menuLabels('ko'));
    expect(stackIsEmpty()).toBe(true);
  });

  test('the "처음으로" button cancels too', async () => {
    expect(texts(await chat.say(t('button.menu')))).toEqual([t('cancel_done')]);
  });

  test('도움말 → help, then the same question again, which still takes its answer', async () => {
    const replies = await chat.say('도움말');
    expect(texts(replies)).toEqual([t('help'), t('delete_product.ask_resolved')]);
    expect(buttons(replies[1])).toEqual([...yesNoLabels('ko'), t('button.agent')]);
    expect(texts(await chat.say('예'))).toEqual([t('delete_product.resolved')]);
  });

  test('help in English → English help and the question in English', async () => {
    const replies = await chat.say('help', 'en');
    expect(texts(replies)).toEqual([t('help', 'en'), t('delete_product.ask_resolved', 'en')]);
    expect(buttons(replies[1])).toEqual([...yesNoLabels('en'), t('button.agent', 'en')]);
  });

  test('another topic → the question is dropped and the new topic answered', async () => {
    expect(texts(await chat.say('삭제한 상품 복구할 수 있나요?'))).toEqual([t('restore.policy'), t('restore.prepare'), t('restore.offer_agent')]);
    expect(texts(await chat.say('아니요'))).toEqual([t('offer_declined')]);
  });

  test('a one-answer topic mid-question ends the flow', async () => {
    expect(texts(await chat.say('운영 시간 알려주세요'))).toEqual([t('hours.always')]);
    expect(stackIsEmpty()).toBe(true);
  });

  test('not understood → re-prompt once with the same buttons; not understood again → normal handling (none → handoff)', async () => {
    const reprompt = await chat.say('어제 말씀드린 그 건 어떻게 됐어요?');
    expect(texts(reprompt)).toEqual([t('reprompt')]);
    expect(buttons(reprompt[0])).toEqual([...yesNoLabels('ko'), t('button.agent')]);
    expect(services.handoff.requests).toEqual([]);

    expect(texts(await chat.say('지난번에 얘기한 그거요'))).toEqual([handoffMarker('no_match')]);
    expect(services.handoff.requests.map((r) => r.reason)).toEqual(['no_match']);
    expect(stackIsEmpty()).toBe(true);
  });

  test('after the re-prompt, an answer still works', async () => {
    await chat.say('ㅋㅋㅋ');
    expect(texts(await chat.say('예'))).toEqual([t('delete_product.resolved')]);
  });

  test('noise twice → re-prompt, then the noise answer with the menu (never a handoff)', async () => {
    expect(texts(await chat.say('ㅁㄴㅇㄹ'))).toEqual([t('reprompt')]);
    const replies = await chat.say('ㅋㅋㅋ');
    expect(texts(replies)).toEqual([t('noise')]);
    expect(buttons(replies[0])).toEqual(menuLabels('ko'));
    expect(services.handoff.requests).toEqual([]);
  });
});

describe('interruptions inside a nested dialog are handled once, by the outermost', () => {
  beforeEach(async () => {
    await chat.say('상품 삭제 방법');
    await chat.say('아니요'); // delete-problem question, nested in delete-product
  });

  test('help: one help text and one re-prompt of the inner question', async () => {
    const replies = await chat.say('도움말');
    expect(texts(replies)).toEqual([t('help'), t('delete_problem.ask')]);
    expect(buttons(replies[1])).toEqual(knowledge.problems.map((p) => p.label.ko));
  });

  test('agent: one handoff, everything cancelled', async () => {
    expect(texts(await chat.say('상담사요'))).toEqual([handoffMarker('requested')]);
    expect(services.handoff.requests).toHaveLength(1);
    expect(stackIsEmpty()).toBe(true);
  });

  test('switching topic from the inner question', async () => {
    expect(texts(await chat.say('구매자한테 알림이 가나요?'))).toEqual([knowledge.facets.customer_notice.notified.ko]);
    expect(stackIsEmpty()).toBe(true);
  });

  test('asking for the current topic again is answered again, not met with the "use the buttons" text', async () => {
    const replies = await chat.say('삭제가 안 돼요');
    expect(texts(replies)).toEqual([t('delete_problem.ask')]);
    expect(buttons(replies[0])).toEqual(knowledge.problems.map((p) => p.label.ko));
  });
});

describe('messages no topic claims', () => {
  test('noise → the noise text and the menu, never a handoff', async () => {
    for (const said of ['ㅋㅋㅋ', 'asdf', 'ㅁㄴㅇㄹ', '👍', '123', '네', 'ok']) {
      const replies = await chat.say(said);
      expect(texts(replies)).toEqual([t('noise')]);
      expect(buttons(replies[0])).toEqual(menuLabels('ko'));
    }
    expect(services.handoff.requests).toEqual([]);
  });

  test('FALLBACK_HANDOFF_AFTER=1: the first miss hands off with reason no_match', async () => {
    expect(texts(await chat.say('배송비 설정은 어떻게 해요?'))).toEqual([handoffMarker('no_match')]);
    expect(services.handoff.requests.map((r) => r.reason)).toEqual(['no_match']);
  });

  test('FALLBACK_HANDOFF_AFTER=2: not_understood with the menu first, the second miss in a row hands off', async () => {
    start('ko', { FALLBACK_HANDOFF_AFTER: 2 });
    const first = await chat.say('어제 말씀드린 그 건 어떻게 됐어요?');
    expect(texts(first)).toEqual([t('not_understood')]);
    expect(buttons(first[0])).toEqual(menuLabels('ko'));
    expect(texts(await chat.say('지난번에 얘기한 그거요'))).toEqual([handoffMarker('no_match')]);
    // The count starts again after a handoff.
    expect(texts(await chat.say('그 뭐냐 아까 그거요'))).toEqual([t('not_understood')]);
  });

  test('a matched message in between resets the count', async () => {
    start('en', { FALLBACK_HANDOFF_AFTER: 2 });
    expect(texts(await chat.say('What happened to the thing from yesterday?'))).toEqual([t('not_understood', 'en')]);
    await chat.say('What are your opening hours?');
    expect(texts(await chat.say('Any news on that thing from before?'))).toEqual([t('not_understood', 'en')]);
    expect(services.handoff.requests).toEqual([]);
  });

  test('a prompt answer counts as matched too', async () => {
    start('ko', { FALLBACK_HANDOFF_AFTER: 2 });
    await chat.say('어제 말씀드린 그 건 어떻게 됐어요?');
    await chat.say('상품 삭제 방법');
    await chat.say('예');
    expect(texts(await chat.say('지난번에 얘기한 그거요'))).toEqual([t('not_understood')]);
  });

  test('FALLBACK_HANDOFF_AFTER=0: never hands off', async () => {
    start('ko', { FALLBACK_HANDOFF_AFTER: 0 });
    for (let i = 0; i < 3; i++) expect(texts(await chat.say('어제 말씀드린 그 건 어떻게 됐어요?'))).toEqual([t('not_understood')]);
    expect(services.handoff.requests).toEqual([]);
  });
});
