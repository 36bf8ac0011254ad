// The whole bot turn through a TestAdapter: language, welcome, non-text, truncation, saved state.
import { ActivityTypes, ConversationState, MemoryStorage } from 'botbuilder';
import { SellerBot } from '../../bot/sellerBot';
import { MainDialog } from '../../dialogs/mainDialog';
import type { DialogConfig } from '../../dialogs/services';
import { handoffMarker } from './fakes';
import { BotConversation, type TestServices, buttons, menuLabels, realClassifier, t, testServices, texts, yesNoLabels } from './harness';

beforeAll(() => realClassifier());

let services: TestServices;
let chat: BotConversation;
function start(config: Partial<DialogConfig> = {}): void {
  services = testServices({ config });
  const storage = new MemoryStorage();
  const conversationState = new ConversationState(storage);
  const bot = new SellerBot(services, conversationState, new MainDialog(services));
  chat = new BotConversation((context) => bot.run(context));
}
beforeEach(() => start());

const join = (locale?: string, members = [{ id: 'user1', name: 'Seller' }]) =>
  chat.send({ type: ActivityTypes.ConversationUpdate, membersAdded: members, recipient: { id: 'bot', name: 'Bot' }, locale });

describe('welcome', () => {
  test('a seller joining gets the welcome with the topic menu as suggested actions', async () => {
    const replies = await join();
    expect(texts(replies)).toEqual([t('welcome')]);
    expect(buttons(replies[0])).toEqual(menuLabels('ko'));
    expect(replies[0].suggestedActions?.actions.every((a) => a.type === 'imBack')).toBe(true);
  });

  test('in English when the client locale is English', async () => {
    expect(texts(await join('en-US'))).toEqual([t('welcome', 'en')]);
  });

  test('only the bot joining: no welcome', async () => {
    expect(await join(undefined, [{ id: 'bot', name: 'Bot' }])).toEqual([]);
  });

  test('after a join, the first message gets only its answer', async () => {
    await join();
    expect(texts(await chat.say('감사합니다'))).toEqual([t('thanks')]);
  });

  test('no join event: the first message gets the welcome AND its answer; later ones no welcome', async () => {
    expect(texts(await chat.say('운영 시간 알려주세요'))).toEqual([t('welcome'), t('hours.always')]);
    expect(texts(await chat.say('감사합니다'))).toEqual([t('thanks')]);
  });

  test('a plain hello as the first message is answered by the welcome alone', async () => {
    expect(texts(await chat.say('안녕하세요'))).toEqual([t('welcome')]);
  });

  test('a join event arriving after the first message does not welcome twice', async () => {
    await chat.say('감사합니다');
    expect(await join()).toEqual([]);
  });
});

describe('language', () => {
  test('the first message without text clues follows the client locale, else Korean', async () => {
    expect(texts(await chat.send({ type: ActivityTypes.Message, text: 'ok', locale: 'en-US' }))[0]).toBe(t('welcome', 'en'));
    start();
    expect(texts(await chat.send({ type: ActivityTypes.Message, text: 'ok' }))[0]).toBe(t('welcome'));
  });

  test('Korean conversation, English message → English reply; "ok" keeps English; Korean switches back', async () => {
    await join();
    expect(texts(await chat.say('What are your opening hours?', 'ko'))).toEqual([t('hours.always', 'en')]);
    expect(texts(await chat.say('ok', 'ko'))).toEqual([t('noise', 'en')]);
    expect(texts(await chat.say('운영 시간', 'ko'))).toEqual([t('hours.always')]);
  });

  test('"ok" and mashing keep Korean in a Korean conversation', async () => {
    await join();
    expect(texts(await chat.say('ok'))).toEqual([t('noise')]);
    expect(texts(await chat.say('asdf'))).toEqual([t('noise')]);
  });

  test('switching to English mid-question: the answer and what follows are in English', async () => {
    await join();
    await chat.say('상품 삭제 방법');
    const replies = await chat.say('No, it did not work');
    expect(texts(replies)).toEqual([t('delete_problem.ask', 'en')]);
    expect(buttons(replies[0])).toEqual(expect.arrayContaining(['An error appears']));
  });
});

describe('what the dialogs cannot read', () => {
  test('an attachment without text gets non_text, and a waiting question keeps waiting', async () => {
    await join();
    await chat.say('상품 삭제 방법');
    const photo = await chat.send({ type: ActivityTypes.Message, attachments: [{ contentType: 'image/png', contentUrl: 'https://example.com/a.png' }] });
    expect(texts(photo)).toEqual([t('non_text')]);
    expect(texts(await chat.say('예'))).toEqual([t('delete_product.resolved')]);
  });

  test('empty text gets non_text too', async () => {
    await join();
    expect(texts(await chat.say('   '))).toEqual([t('non_text')]);
  });

  test('a long message is cut to MAX_MESSAGE_LENGTH with a note, then answered', async () => {
    start({ MAX_MESSAGE_LENGTH: 50 });
    await join();
    const long = `상담사 연결해 주세요 ${'ㅠ'.repeat(200)}`;
    const replies = await chat.say(long);
    expect(texts(replies)).toEqual([t('message_truncated', 'ko', { max: 50 }), handoffMarker('requested')]);
    expect(services.handoff.requests[0].text).toHaveLength(50);
  });

  test('the language is judged on the part that is kept, not on what was cut off', async () => {
    start({ MAX_MESSAGE_LENGTH: 50 });
    await join('en-US');
    const kept = 'What are your opening hours, please tell me, asap?';
    expect(kept).toHaveLength(50);
    const replies = await chat.say(`${kept}${'가'.repeat(500)}`);
    expect(texts(replies)).toEqual([t('message_truncated', 'en', { max: 50 }), t('hours.always', 'en')]);
  });

  test('a message at the limit is not cut', async () => {
    start({ MAX_MESSAGE_LENGTH: 50 });
    await join();
    const replies = await chat.say(`운영 시간${' '.repeat(45)}`);
    expect(texts(replies)).toEqual([t('hours.always')]);
  });
});

describe('state across turns', () => {
  test('a question asked in one turn is answered in the next (state saved at the end of each turn)', async () => {
    await join();
    const asked = await chat.say('삭제한 상품 복구하고 싶어요');
    expect(buttons(asked[asked.length - 1])).toEqual(yesNoLabels('ko'));
    expect(texts(await chat.say('예'))).toEqual([handoffMarker('requested')]);
  });

  test("a card's { choice } value answers the waiting question", async () => {
    await join();
    await chat.say('상품 삭제 방법');
    expect(texts(await chat.say({ value: { choice: 'yes' } }))).toEqual([t('delete_product.resolved')]);
  });

  test('a dialog stack saved by an older release (topics inside MainDialog) still gets an answer', async () => {
    const storage = new MemoryStorage();
    const bot = new SellerBot(services, new ConversationState(storage), new MainDialog(services));
    chat = new BotConversation((context) => bot.run(context));
    await chat.say('감사합니다'); // creates the conversation's state
    const [key] = Object.keys((storage as unknown as { memory: Record<string, string> }).memory).filter((k) => k.includes('/conversations/'));
    const stored = (await storage.read([key]))[key];
    stored.DialogState = {
      dialogStack: [{ id: 'mainDialog', state: { dialogs: { dialogStack: [{ id: 'mainDialog.route', state: { stepIndex: 0 } }] } } }],
    };
    await storage.write({ [key]: stored });
    expect(texts(await chat.say('운영 시간 알려주세요'))).toEqual([t('hours.always')]);
  });

  test('an error inside the turn propagates to the adapter', async () => {
    await join();
    services.handoff.request = async () => {
      throw new Error('hub down');
    };
    await expect(chat.say('상담사 연결해 주세요')).rejects.toThrow('hub down');
  });
});
