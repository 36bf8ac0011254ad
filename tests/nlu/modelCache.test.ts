import { IntentClassifier } from '../../intents/classifier';
import { modelCacheKey } from '../../intents/modelCache';
import { loadRules, loadTrainingExamples } from '../../intents/trainingData';

const examples = loadTrainingExamples();
const rules = loadRules(examples);

test('a model restored from its snapshot classifies exactly like the trained one', () => {
  const trained = new IntentClassifier(examples, rules);
  const restored = new IntentClassifier(examples, rules, {}, JSON.parse(JSON.stringify(trained.snapshot())));
  for (const text of ['삭제한 상품 복구돼요?', '상담사 연결', 'what time do you open', '리뷰 삭제하는 법', 'ㅋㅋ']) {
    expect(restored.classify(text)).toEqual(trained.classify(text));
  }
});

test('the cache key changes with the training data, the rules and the options', () => {
  const key = modelCacheKey(examples, rules, {});
  expect(key).toMatch(/^[0-9a-f]{32}$/);
  expect(modelCacheKey(examples, rules, {})).toBe(key);
  expect(modelCacheKey([...examples, { text: '새 예문', intent: 'hours' }], rules, {})).not.toBe(key);
  expect(modelCacheKey(examples, [], {})).not.toBe(key);
  expect(modelCacheKey(examples, rules, { noneThreshold: 0.4 })).not.toBe(key);
  expect(modelCacheKey(examples, rules, { lexicon: null })).toBeUndefined();
});

test('a snapshot that does not fit the vocabulary is refused, not half-loaded', () => {
  const snapshot = new IntentClassifier(examples.slice(0, 200), rules).snapshot();
  snapshot.vectorizer.vocabulary.pop();
  expect(() => new IntentClassifier(examples, rules, {}, snapshot)).toThrow(/snapshot/);
});
