import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntentClassifier } from '../../intents/classifier';
import { type ModelSnapshot, modelCacheKey, readCachedModel, writeCachedModel } from '../../intents/modelCache';
import { loadRules, loadTrainingExamples } from '../../intents/trainingData';

const examples = loadTrainingExamples();
const rules = loadRules(examples);

test('a model restored from its snapshot classifies exactly like the trained one', () => {
  const trained = new IntentClassifier(examples, rules);
  const restored = new IntentClassifier(examples, rules, {}, JSON.parse(JSON.stringify(trained.snapshot())));
  expect(trained.snapshot().realWordsNearEntries).toContain('about'); // saved so start-up need not read the word list
  for (const text of ['삭제한 상품 복구돼요?', '상담사 연결', 'what time do you open', 'tell me about your hours', '리뷰 삭제하는 법', 'ㅋㅋ']) {
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

/** The key modelCache computes with `mock` in place (a module factory for jest.doMock, by path). */
function keyWith(path: string, mock: () => unknown): string | undefined {
  let key: string | undefined;
  jest.isolateModules(() => {
    jest.doMock(path, mock);
    try {
      key = (require('../../intents/modelCache') as typeof import('../../intents/modelCache')).modelCacheKey(examples, rules, {});
    } finally {
      jest.dontMock(path); // a mock outlives isolateModules otherwise
    }
  });
  return key;
}

test('the cache key changes with the intent ids and with natural\'s version', () => {
  const key = modelCacheKey(examples, rules, {});
  // The model's outputs are INTENTS in order: intentIds.ts is part of the code the key covers.
  const reordered = keyWith('node:fs', () => {
    const fs = jest.requireActual('node:fs');
    return { ...fs, readFileSync: (file: string, ...rest: unknown[]) => {
      const text = fs.readFileSync(file, ...rest);
      return String(file).endsWith('intentIds.ts') ? `${text}\n// reordered` : text;
    } };
  });
  expect(reordered).toMatch(/^[0-9a-f]{32}$/);
  expect(reordered).not.toBe(key);
  const otherNatural = keyWith('../../intents/naturalParts', () => ({ ...jest.requireActual('../../intents/naturalParts'), NATURAL_VERSION: '0.0.0' }));
  expect(otherNatural).toMatch(/^[0-9a-f]{32}$/);
  expect(otherNatural).not.toBe(key);
});

test('the cache keeps one file, answers only for the key it was written for and clears files of the old format', () => {
  const dir = mkdtempSync(join(tmpdir(), 'model-cache-'));
  try {
    const first: ModelSnapshot = { vectorizer: { vocabulary: ['c:가'] }, model: { weights: [1] } } as unknown as ModelSnapshot;
    const second: ModelSnapshot = { vectorizer: { vocabulary: ['c:나'] }, model: { weights: [2] } } as unknown as ModelSnapshot;
    writeFileSync(join(dir, `intent-model-${'0'.repeat(32)}.json`), '{}');
    writeCachedModel('a'.repeat(32), first, dir);
    expect(readCachedModel('a'.repeat(32), dir)).toEqual(first);
    expect(readCachedModel('b'.repeat(32), dir)).toBeUndefined();
    writeCachedModel('b'.repeat(32), second, dir);
    expect(readCachedModel('b'.repeat(32), dir)).toEqual(second);
    expect(readCachedModel('a'.repeat(32), dir)).toBeUndefined();
    expect(readdirSync(dir)).toHaveLength(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a snapshot that does not fit the vocabulary is refused, not half-loaded', () => {
  const snapshot = new IntentClassifier(examples.slice(0, 200), rules).snapshot();
  snapshot.vectorizer.vocabulary.pop();
  expect(() => new IntentClassifier(examples, rules, {}, snapshot)).toThrow(/snapshot/);
});
