// Each topic dialog on its own, through DialogTestClient, in Korean and English.
import { ContactChannelsDialog } from '../../dialogs/contactChannelsDialog';
import { CancelDialog } from '../../dialogs/cancelDialog';
import { CustomerNoticeDialog } from '../../dialogs/customerNoticeDialog';
import { DeleteProblemDialog, problemFromText } from '../../dialogs/deleteProblemDialog';
import { DeleteProductDialog } from '../../dialogs/deleteProductDialog';
import { GreetingDialog } from '../../dialogs/greetingDialog';
import { HoursDialog } from '../../dialogs/hoursDialog';
import { PrepareInfoDialog } from '../../dialogs/prepareInfoDialog';
import { RestoreProductDialog } from '../../dialogs/restoreProductDialog';
import type { DialogConfig } from '../../dialogs/services';
import { ThanksDialog } from '../../dialogs/thanksDialog';
import { WaitTimeDialog } from '../../dialogs/waitTimeDialog';
import type { Language, ProblemId } from '../../knowledge';
import { FakeHandoff, handoffMarker } from './fakes';
import {
  DialogConversation,
  type TestServices,
  businessHours,
  buttons,
  knowledge,
  menuLabels,
  realClassifier,
  t,
  testServices,
  texts,
  yesNoLabels,
} from './harness';

beforeAll(() => realClassifier());

const problem = (id: ProblemId) => knowledge.problems.find((p) => p.id === id)!;
const channel = (id: string) => knowledge.channels.find((c) => c.id === id)!;

describe('DeleteProductDialog', () => {
  let services: TestServices;
  let chat: DialogConversation;
  const start = (language: Language = 'ko') => {
    services = testServices();
    chat = new DialogConversation(new DeleteProductDialog(services), language);
  };

  test('Korean: the steps, then "해결되셨나요?" with 예 / 아니요 / 상담사 연결 as imBack buttons', async () => {
    start();
    const replies = await chat.say('상품 삭제 어떻게 해요?');
    expect(texts(replies)).toEqual([t('delete_product.steps'), t('delete_product.ask_resolved')]);
    expect(buttons(replies[1])).toEqual([...yesNoLabels('ko'), t('button.agent')]);
    expect(replies[1].suggestedActions?.actions.every((a) => a.type === 'imBack' && a.value === a.title)).toBe(true);
  });

  test('예 → resolved with the topic menu, and the dialog ends', async () => {
    start();
    await chat.say('상품 삭제 방법');
    const replies = await chat.say('예');
    expect(texts(replies)).toEqual([t('delete_product.resolved')]);
    expect(buttons(replies[0])).toEqual(menuLabels('ko'));
    expect(chat.client.dialogTurnResult.status).toBe('complete');
  });

  test('a typed "네" counts as 예', async () => {
    start();
    await chat.say('상품 삭제 방법');
    expect(texts(await chat.say('네'))).toEqual([t('delete_product.resolved')]);
  });

  test('아니요 → the delete-problem dialog, through to an agent', async () => {
    start();
    await chat.say('상품 삭제 방법');
    const ask = await chat.say('아니요');
    expect(texts(ask)).toEqual([t('delete_problem.ask')]);
    expect(buttons(ask[0])).toEqual(knowledge.problems.map((p) => p.label.ko));

    const checks = await chat.say(problem('button').label.ko);
    expect(texts(checks)).toEqual([problem('button').checks.ko, t('delete_problem.offer_agent')]);
    expect(buttons(checks[1])).toEqual(yesNoLabels('ko'));

    expect(texts(await chat.say('예'))).toEqual([handoffMarker('requested')]);
    expect(services.handoff.requests.map((r) => r.reason)).toEqual(['requested']);
    expect(chat.client.dialogTurnResult.status).toBe('complete');
  });

  test('상담사 연결 button → handoff requested', async () => {
    start();
    await chat.say('상품 삭제 방법');
    expect(texts(await chat.say(t('button.agent')))).toEqual([handoffMarker('requested')]);
    expect(services.handoff.requests).toHaveLength(1);
  });

  test('English: the same flow in English', async () => {
    start('en');
    const replies = await chat.say('How do I delete a product?');
    expect(texts(replies)).toEqual([t('delete_product.steps', 'en'), t('delete_product.ask_resolved', 'en')]);
    expect(buttons(replies[1])).toEqual([...yesNoLabels('en'), t('button.agent', 'en')]);
    const done = await chat.say('Yes');
    expect(texts(done)).toEqual([t('delete_product.resolved', 'en')]);
    expect(buttons(done[0])).toEqual(menuLabels('en'));
  });

  test('a postBack value { choice: "no" } answers the question', async () => {
    start();
    await chat.say('상품 삭제 방법');
    expect(texts(await chat.say({ value: { choice: 'no' } }))).toEqual([t('delete_problem.ask')]);
  });
});

describe('DeleteProblemDialog', () => {
  let services: TestServices;
  let chat: DialogConversation;
  const start = (language: Language = 'ko') => {
    services = testServices();
    chat = new DialogConversation(new DeleteProblemDialog(services), language);
  };

  test('Korean: asks what happens, with the problems as buttons; 아니요 to an agent ends with the menu', async () => {
    start();
    const ask = await chat.say('삭제가 안 돼요');
    expect(texts(ask)).toEqual([t('delete_problem.ask')]);
    expect(buttons(ask[0])).toEqual(knowledge.problems.map((p) => p.label.ko));

    const checks = await chat.say(problem('partial').label.ko);
    expect(texts(checks)).toEqual([problem('partial').checks.ko, t('delete_problem.offer_agent')]);

    const declined = await chat.say('아니요');
    expect(texts(declined)).toEqual([t('offer_declined')]);
    expect(buttons(declined[0])).toEqual(menuLabels('ko'));
    expect(services.handoff.requests).toEqual([]);
  });

  test('English: every problem label leads to its own checks', async () => {
    for (const p of knowledge.problems) {
      start('en');
      await chat.say("I can't delete my product");
      const checks = await chat.say(p.label.en);
      expect(texts(checks)).toEqual([p.checks.en, t('delete_problem.offer_agent', 'en')]);
      expect(buttons(checks[1])).toEqual(yesNoLabels('en'));
    }
  });

  test('a seller who already described the problem is not asked again', async () => {
    start();
    const replies = await chat.say('삭제했는데 아직 검색에 보여요');
    expect(texts(replies)).toEqual([problem('still_visible').checks.ko, t('delete_problem.offer_agent')]);
  });

  test('a free-text answer to the question is read as the matching problem', async () => {
    start();
    await chat.say('삭제가 안 돼요');
    expect(texts(await chat.say('오류가 계속 나요'))[0]).toBe(problem('error').checks.ko);
  });

  test('a card value { choice: "other" } picks that problem', async () => {
    start();
    await chat.say('삭제가 안 돼요');
    expect(texts(await chat.say({ value: { choice: 'other' } }))[0]).toBe(problem('other').checks.ko);
  });

  test('accepting the agent offer requests a handoff', async () => {
    start('en');
    await chat.say("I can't delete my product");
    await chat.say(problem('error').label.en);
    expect(texts(await chat.say('Yes'))).toEqual([handoffMarker('requested')]);
    expect(services.handoff.requests.map((r) => r.reason)).toEqual(['requested']);
  });

  test('problemFromText reads the usual descriptions and never guesses "other"', () => {
    expect(problemFromText('삭제 버튼 누르면 오류 떠요')).toBe('error');
    expect(problemFromText('삭제 버튼이 회색이에요')).toBe('button');
    expect(problemFromText('일괄 삭제했는데 일부만 지워졌어요')).toBe('partial');
    expect(problemFromText('지웠는데 아직 그대로 있어요')).toBe('still_visible');
    expect(problemFromText('the product still shows in search')).toBe('still_visible');
    expect(problemFromText('삭제가 안 돼요')).toBeUndefined();
  });
});

describe('RestoreProductDialog', () => {
  test('Korean: policy, what to prepare, then an agent offer; 예 → handoff', async () => {
    const services = testServices();
    const chat = new DialogConversation(new RestoreProductDialog(services));
    const replies = await chat.say('삭제한 상품 복구할 수 있나요?');
    expect(texts(replies)).toEqual([t('restore.policy'), t('restore.prepare'), t('restore.offer_agent')]);
    expect(buttons(replies[2])).toEqual(yesNoLabels('ko'));
    expect(texts(await chat.say('예'))).toEqual([handoffMarker('requested')]);
    expect(services.handoff.requests.map((r) => r.reason)).toEqual(['requested']);
  });

  test('English: No → a short close with the menu', async () => {
    const services = testServices();
    const chat = new DialogConversation(new RestoreProductDialog(services), 'en');
    const replies = await chat.say('Can I restore a deleted product?');
    expect(texts(replies)).toEqual([t('restore.policy', 'en'), t('restore.prepare', 'en'), t('restore.offer_agent', 'en')]);
    const declined = await chat.say('No');
    expect(texts(declined)).toEqual([t('offer_declined', 'en')]);
    expect(buttons(declined[0])).toEqual(menuLabels('en'));
    expect(services.handoff.requests).toEqual([]);
  });
});

describe('one-answer dialogs', () => {
  test.each([
    ['CustomerNoticeDialog', () => new CustomerNoticeDialog(testServices()), '삭제하면 구매자는 어떻게 돼요?', 'What happens to buyers when I delete?', 'notice.answer'],
    ['PrepareInfoDialog', () => new PrepareInfoDialog(testServices()), '상담 전에 뭘 준비해야 해요?', 'What should I prepare?', 'prepare.checklist'],
    ['ThanksDialog', () => new ThanksDialog(testServices()), '감사합니다', 'Thank you so much', 'thanks'],
  ] as const)('%s answers in Korean and English', async (_name, create, ko, en, key) => {
    expect(texts(await new DialogConversation(create()).say(ko))).toEqual([t(key, 'ko')]);
    expect(texts(await new DialogConversation(create(), 'en').say(en))).toEqual([t(key, 'en')]);
  });

  test('CancelDialog with nothing running: cancel_nothing and the menu; the "main menu" button just shows the menu', async () => {
    const cancel = await new DialogConversation(new CancelDialog(testServices())).say('취소');
    expect(texts(cancel)).toEqual([t('cancel_nothing')]);
    expect(buttons(cancel[0])).toEqual(menuLabels('ko'));
    const menu = await new DialogConversation(new CancelDialog(testServices()), 'en').say(t('button.menu', 'en'));
    expect(texts(menu)).toEqual([t('menu_prompt', 'en')]);
    expect(buttons(menu[0])).toEqual(menuLabels('en'));
  });

  test('GreetingDialog: hello → a short greeting with the menu; help → the help text with the menu', async () => {
    const hello = await new DialogConversation(new GreetingDialog(testServices())).say('안녕하세요');
    expect(texts(hello)).toEqual([t('greeting.reply')]);
    expect(buttons(hello[0])).toEqual(menuLabels('ko'));
    const help = await new DialogConversation(new GreetingDialog(testServices())).say('도움말');
    expect(texts(help)).toEqual([t('help')]);
    expect(buttons(help[0])).toEqual(menuLabels('ko'));
    const helpEn = await new DialogConversation(new GreetingDialog(testServices()), 'en').say('what can you help me with');
    expect(texts(helpEn)).toEqual([t('help', 'en')]);
    expect(buttons(helpEn[0])).toEqual(menuLabels('en'));
  });
});

describe('ContactChannelsDialog', () => {
  const ask = async (config: Partial<DialogConfig>, language: Language) => {
    const chat = new DialogConversation(new ContactChannelsDialog(testServices({ config })), language);
    return chat.say(language === 'ko' ? '고객센터 연락 방법 알려주세요' : 'How can I contact the customer center?');
  };

  test('without configured values: every channel with its response time and where to find it', async () => {
    const [table, advice] = await ask({}, 'ko');
    expect(table.text!.startsWith(t('channels.intro'))).toBe(true);
    for (const c of knowledge.channels) {
      expect(table.text).toContain(c.name.ko);
      expect(table.text).toContain(c.typicalResponse.ko);
    }
    for (const id of ['phone', 'email', 'inquiry']) expect(table.text).toContain(channel(id).whereToFind.ko);
    expect(table.text).toContain(t('channels.chat_here'));
    expect(table.text).not.toMatch(/\d{2,4}-\d{3,4}-\d{4}|@/); // nothing invented
    expect(advice.text).toBe(t('channels.advice'));
    expect(buttons(advice)).toEqual([t('button.agent')]);
  });

  test('configured phone, e-mail and inquiry page replace "where to find it"', async () => {
    const config = { SUPPORT_PHONE: '1588-0000', SUPPORT_EMAIL: 'help@example.com', SUPPORT_INQUIRY_URL: 'https://example.com/inquiry' };
    const [table, advice] = await ask(config, 'en');
    expect(table.text!.startsWith(t('channels.intro', 'en'))).toBe(true);
    expect(table.text).toContain(channel('phone').withValue.en.replace('{value}', '1588-0000'));
    expect(table.text).toContain(channel('email').withValue.en.replace('{value}', 'help@example.com'));
    expect(table.text).toContain(channel('inquiry').withValue.en.replace('{value}', 'https://example.com/inquiry'));
    for (const id of ['phone', 'email', 'inquiry']) expect(table.text).not.toContain(channel(id).whereToFind.en);
    expect(table.text).toContain(t('channels.chat_here', 'en'));
    expect(buttons(advice)).toEqual([t('button.agent', 'en')]);
  });

  test('only the configured value is shown; the rest keep "where to find it"', async () => {
    const [table] = await ask({ SUPPORT_PHONE: '02-123-4567' }, 'ko');
    expect(table.text).toContain(channel('phone').withValue.ko.replace('{value}', '02-123-4567'));
    expect(table.text).toContain(channel('email').whereToFind.ko);
  });
});

describe('WaitTimeDialog', () => {
  test('no one waiting: the typical waits only', async () => {
    const chat = new DialogConversation(new WaitTimeDialog(testServices()));
    expect(texts(await chat.say('상담 대기 얼마나 걸려요?'))).toEqual([t('wait.answer')]);
  });

  test('sellers waiting: the queue right now from the handoff snapshot', async () => {
    const handoff = new FakeHandoff({ waiting: 3, estimatedWaitMinutes: 7.4, agentsOnline: 2 });
    const ko = await new DialogConversation(new WaitTimeDialog(testServices({ handoff }))).say('대기 시간');
    expect(ko).toHaveLength(1);
    expect(ko[0].text).toContain(t('wait.answer'));
    expect(ko[0].text).toContain(t('wait.queue_now', 'ko', { waiting: 3, wait: t('handoff.wait_minutes', 'ko', { minutes: 7 }) }));
    const en = await new DialogConversation(new WaitTimeDialog(testServices({ handoff })), 'en').say('How long is the wait?');
    expect(en[0].text).toContain(t('wait.queue_now', 'en', { waiting: 3, wait: t('handoff.wait_minutes', 'en', { minutes: 7 }) }));
  });
  test('sellers waiting and no agent online: how many wait, and no minutes', async () => {
    const handoff = new FakeHandoff({ waiting: 2, estimatedWaitMinutes: 7.4, agentsOnline: 0 });
    const [ko] = await new DialogConversation(new WaitTimeDialog(testServices({ handoff }))).say('대기 시간');
    expect(ko.text).toContain(t('wait.queue_no_agents', 'ko', { waiting: 2 }));
    expect(ko.text).not.toContain(t('handoff.wait_minutes', 'ko', { minutes: 7 }));
  });
});

describe('HoursDialog', () => {
  const weekdays = businessHours('mon-fri 09:00-18:00');
  const WEDNESDAY_NOON_KST = new Date('2026-03-04T03:00:00Z');
  const WEDNESDAY_8PM_KST = new Date('2026-03-04T11:00:00Z');
  const FRIDAY_8PM_KST = new Date('2026-03-06T11:00:00Z');
  const ask = (now: Date, language: Language = 'ko', hours = weekdays) =>
    new DialogConversation(new HoursDialog(testServices({ config: { businessHours: hours }, now: () => now })), language).say(
      language === 'ko' ? '운영 시간이 어떻게 되나요?' : 'What are your opening hours?',
    );

  test('open 24 hours: hours.always', async () => {
    expect(texts(await ask(WEDNESDAY_8PM_KST, 'ko', businessHours()))).toEqual([t('hours.always')]);
  });

  test('open now', async () => {
    const [reply] = await ask(WEDNESDAY_NOON_KST);
    expect(reply.text).toBe([t('hours.schedule', 'ko', { schedule: weekdays.describe('ko') }), t('hours.open_now')].join('\n'));
  });

  test('closed now, with the next opening', async () => {
    const [reply] = await ask(WEDNESDAY_8PM_KST);
    expect(reply.text).toContain(t('hours.schedule', 'ko', { schedule: weekdays.describe('ko') }));
    expect(reply.text).toContain(t('hours.closed_now', 'ko', { next: '내일 09:00' }));
  });

  test('English, on a Friday evening: opens again on Monday', async () => {
    const [reply] = await ask(FRIDAY_8PM_KST, 'en');
    expect(reply.text).toContain(t('hours.schedule', 'en', { schedule: weekdays.describe('en') }));
    expect(reply.text).toContain(t('hours.closed_now', 'en', { next: weekdays.describeNextOpening(FRIDAY_8PM_KST, 'en')! }));
    expect(weekdays.describeNextOpening(FRIDAY_8PM_KST, 'en')).toMatch(/^Mon /);
  });

  test('a holiday today says so, and when it opens again', async () => {
    const withHoliday = businessHours('mon-fri 09:00-18:00', ['2026-03-04']);
    const [reply] = await ask(WEDNESDAY_NOON_KST, 'ko', withHoliday);
    expect(reply.text).toContain(t('hours.holiday_today'));
    expect(reply.text).toContain(t('hours.closed_now', 'ko', { next: '내일 09:00' }));
    expect(reply.text).not.toContain(t('hours.open_now'));
  });
});
