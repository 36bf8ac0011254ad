// Reading in context, below the dialogs: which topic's facet a message belongs to, clauses that only
// frame a question, a request joined by -시고, uncovered topics in everyday words, "not solved".
import { detectLanguage } from '../../dialogs/language';
import { IntentClassifier } from '../../intents/classifier';
import { OutOfScopeModel } from '../../intents/outOfScopeModel';
import { MessageReader, OUT_OF_SCOPE_TOPICS } from '../../intents/reading';
import { asksSomething } from '../../intents/questionForm';
import { loadKnowledge } from '../../knowledge';

const reader = new MessageReader(IntentClassifier.fromProjectData());

describe('a neighbour topic\'s question asked of this one', () => {
  test('with the restore named or just answered, "what to send" is restore\'s facet, not the general checklist', () => {
    expect(reader.read('복원 신청하려면 어떤 자료가 필요한가요')).toMatchObject({ intent: 'restore_product', facet: 'send' });
    expect(reader.read('그럼 뭘 챙겨 드려야 돼요', { topic: 'restore_product' })).toMatchObject({ intent: 'restore_product', facet: 'send' });
    expect(reader.read('ok what info do you need from me then', { topic: 'restore_product' })).toMatchObject({ intent: 'restore_product', facet: 'send' });
  });

  test('a facet the classifier reads as nothing is found through its topic; chit-chat and named topics are not', () => {
    expect(reader.read('do I lose my sales history if I delete')).toMatchObject({ intent: 'delete_product', facet: 'data_loss' });
    expect(reader.read('오늘 날씨 좋네요')).toEqual({ intent: 'none', score: expect.any(Number) });
    expect(reader.read('qwerasdf')).toEqual({ intent: 'none', score: expect.any(Number) });
    expect(reader.read('정산 내역 사라져요?')).toMatchObject({ intent: 'none', oosTopic: 'settlement' });
  });

  test('a preparation question that says what it is for keeps its own topic', () => {
    expect(reader.read('상담 전에 미리 준비할 서류가 있나요', { topic: 'restore_product' })).toMatchObject({ intent: 'prepare_info' });
    expect(reader.read('what should I prepare before calling the customer center?')).toMatchObject({ intent: 'prepare_info' });
  });

  test('a word naming a facet outweighs a model only fairly sure of another', () => {
    expect(reader.read('any deadline for that?', { topic: 'restore_product' })).toMatchObject({ intent: 'restore_product', facet: 'deadline' });
    expect(reader.read('how many days do I get?', { topic: 'restore_product' })).toMatchObject({ intent: 'restore_product', facet: 'deadline' });
  });
});

describe('clauses', () => {
  test('"while I wait," frames the question; it is not a wait-time question of its own', () => {
    expect(reader.read('while I wait, are you open on holidays?')).toEqual({ intent: 'hours', score: expect.any(Number), facet: 'holiday' });
    expect(reader.read('when I delete a product, do buyers get notified?')).toMatchObject({ intent: 'customer_notice', facet: 'notified' });
    expect(reader.read('when I delete a product, do buyers get notified?').parts).toBeUndefined();
    // "how long | do I have…" is one question, not two.
    expect(reader.read('how long do I have to ask for a restore')).toEqual({ intent: 'restore_product', score: expect.any(Number), facet: 'deadline' });
    // "when" asking is no frame.
    expect(reader.read('when are you open, and how long is the phone wait?').parts).toHaveLength(2);
  });

  test('a request ending in -시고 / -주고 is followed by the next one; "-시고 나서" is one sentence', () => {
    const both = reader.read('복구 방법 설명해 주시고 상담사 연결도 부탁드려요');
    expect(both.intent).toBe('agent');
    expect(both.parts?.map((p) => p.intent)).toEqual(['restore_product', 'agent']);
    expect(reader.read('운영시간 알려주시고 전화번호도 알려주세요').parts?.map((p) => `${p.intent}.${p.facet ?? ''}`)).toEqual(['hours.', 'contact_channels.phone']);
    expect(reader.read('상품 삭제하시고 나서 복구 돼요?')).toMatchObject({ intent: 'restore_product' });
    expect(reader.read('상품 삭제하시고 나서 복구 돼요?').parts).toBeUndefined();
  });

  test('a question word makes a question without a question mark; so does an informal ending', () => {
    for (const q of ['몇 번째예요', '얼마나 걸려요', '뭐 보내면 돼요', '주말에도 상담되나', '지금 제가 몇 번째인가요']) expect(asksSomething(q)).toBe(true);
    for (const s of ['상품번호 12345 삭제했어요', '오류 화면 캡처 보냈어요', '네 알겠어요']) expect(asksSomething(s)).toBe(false);
  });
});

describe('uncovered topics in everyday words', () => {
  const model = new OutOfScopeModel(OUT_OF_SCOPE_TOPICS);

  test.each([
    ['가게 문 닫을 생각이에요', 'account'],
    ['판매 잠깐 쉬고 싶어요', 'product_edit'],
    ['이번 달 판매 대금은 언제 들어와요', 'settlement'],
    ['thinking about shutting down my shop', 'account'],
  ])('"%s" is named %s', (text, topic) => {
    expect(reader.read(text)).toMatchObject({ intent: 'none', oosTopic: topic });
  });

  test('chit-chat and mashing name no topic, and a cancel or an in-scope question is never renamed', () => {
    for (const text of ['오늘 점심 뭐 먹었어요', 'ㅋㅋㅋ', 'asdkfj qwe', '아 몰라', 'tell me a joke']) expect(reader.read(text).oosTopic).toBeUndefined();
    expect(reader.read('그만 할래요')).toMatchObject({ intent: 'cancel' });
    expect(reader.read('상품 삭제하는 방법 알려 주세요')).toMatchObject({ intent: 'delete_product' });
    expect(model.guess('날씨 좋네요')).toBeUndefined();
  });

  test('a doubtful deletion that is a trap in other words (pausing, hiding) is named; deletion questions in new words are not', () => {
    expect(reader.read('상품 잠시 내려놓기')).toMatchObject({ intent: 'none', oosTopic: 'product_edit' });
    expect(reader.read('I want to pause my listing')).toMatchObject({ intent: 'none', oosTopic: 'product_edit' });
    for (const text of ['bulk delete products?', 'Is there a bulk delete option?', 'bulk delete only removed half of my items', '안 팔리는 상품 싹 지우고 싶어요']) {
      expect(reader.read(text).oosTopic).toBeUndefined();
    }
    expect(reader.read('remove one option from a product')).toMatchObject({ intent: 'none', oosTopic: 'option' });
  });

  test('a file naming a topic the reader does not know is refused', () => {
    expect(() => new OutOfScopeModel(['settlement'], [])).toThrow(/outOfScope\.json: topics: /);
  });
});

describe('acts', () => {
  test('"not solved" after another topic is acknowledged, not a miss; after deleting it is a failed deletion', () => {
    expect(reader.read('그걸로는 해결이 안 됐어요', { topic: 'hours' })).toMatchObject({ intent: 'none', act: 'unresolved' });
    expect(reader.read("that didn't help", { topic: 'contact_channels' })).toMatchObject({ act: 'unresolved' });
    expect(reader.read('해결 안 됐어요', { topic: 'delete_product' })).toMatchObject({ intent: 'delete_problem' });
    // In other words, and where the classifier only guesses at a failed deletion.
    for (const text of ['별로 도움 안 되네요', '그래도 안 돼요', 'not helpful', "that doesn't answer my question"]) {
      expect(reader.read(text, { topic: 'hours' })).toMatchObject({ intent: 'none', act: 'unresolved' });
    }
    expect(reader.read('그래도 안 돼요', { topic: 'delete_product' })).toMatchObject({ intent: 'delete_problem' });
    expect(reader.read('삭제 버튼 눌러도 여전히 안 돼요', { topic: 'hours' })).toMatchObject({ intent: 'delete_problem', facet: 'button' });
    // A named topic that did not work is that topic, handed off by name.
    expect(reader.read('주문 취소가 안 됐어요')).toMatchObject({ oosTopic: 'order' });
  });

  test('"연결이 안 됐어요" complains that no one came; it declines nothing', () => {
    expect(reader.read('아직도 연결이 안 됐어요')).toMatchObject({ intent: 'wait_time' });
    expect(reader.read('아직도 연결이 안 됐어요').nudge).toBeUndefined();
    expect(reader.read('상담원 연결은 됐어요')).toMatchObject({ intent: 'none', nudge: true });
  });

  test('"what are you" in everyday words is an identity question', () => {
    for (const text of ['너 정체가 뭐야', '넌 뭐 하는 봇이야', 'what kind of bot is this']) expect(reader.read(text)).toMatchObject({ act: 'identity' });
  });
});

describe('reply language', () => {
  const k = loadKnowledge();
  test('an English text quoting a Korean screen label is English; Korean quoting English stays Korean', () => {
    expect(detectLanguage(k.text('delete_product.steps', 'en'))).toBe('en');
    expect(detectLanguage(k.facets.delete_product.where.en)).toBe('en');
    expect(detectLanguage("where is the '삭제' button?")).toBe('en');
    expect(detectLanguage('삭제 (delete) 버튼이 안 보여요')).toBe('ko');
    expect(detectLanguage('(상품 관리)')).toBe('ko');
    expect(detectLanguage(k.text('delete_product.steps', 'ko'))).toBe('ko');
  });
});
