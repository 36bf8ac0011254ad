import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { IntentClassifier } from '../../intents/classifier';
import { loadFacetExamples } from '../../intents/facetModel';
import { evaluate } from '../../intents/evaluate';
import { INTENTS, type Intent } from '../../intents/intentIds';
import { withinOneEdit } from '../../intents/normalize';
import { loadTrainingExamples, utteranceKey } from '../../intents/trainingData';

const heldOut: { text: string; intent: Intent }[] = readFileSync(join(__dirname, 'heldout.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));

/** What sellers say in every held-out conversation set (tests/conversations/*.json): held out the same way. */
const conversationsDir = join(__dirname, '..', 'conversations');
const conversationTurns: string[] = readdirSync(conversationsDir)
  .filter((name) => name.endsWith('.json'))
  .flatMap((name) =>
    (JSON.parse(readFileSync(join(conversationsDir, name), 'utf8')) as { conversations: { turns: { say: string }[] }[] }).conversations.flatMap((c) =>
      c.turns.map((t) => t.say),
    ),
  );

const classifier = IntentClassifier.fromProjectData();

describe('intent classifier on the held-out set', () => {
  // A near-copy ("샹품 삭제 방법" trained, "상품 삭제 방법" held out) leaks as surely as a copy, so no
  // training utterance may be within one typo of a held-out one (compared as utteranceKeys, by length
  // bucket). Two keys of at most one character are one edit apart whatever they say ("네" and "ㄳ"),
  // so only an exact copy counts between those.
  test('no held-out utterance (single messages and conversation turns) is in the training or facet data, not even one typo away', () => {
    const trainedByLength = new Map<number, { key: string; text: string }[]>();
    // The facets' labelled examples are training data too.
    for (const e of [...loadTrainingExamples(), ...loadFacetExamples()]) {
      const key = utteranceKey(e.text);
      const bucket = trainedByLength.get(key.length) ?? [];
      bucket.push({ key, text: e.text });
      trainedByLength.set(key.length, bucket);
    }
    const leaked: { heldOut: string; training: string }[] = [];
    for (const h of [...heldOut, ...conversationTurns.map((text) => ({ text }))]) {
      const key = utteranceKey(h.text);
      for (const length of [key.length - 1, key.length, key.length + 1]) {
        for (const t of trainedByLength.get(length) ?? []) {
          if (t.key === key || (Math.max(t.key.length, key.length) > 1 && withinOneEdit(t.key, key))) leaked.push({ heldOut: h.text, training: t.text });
        }
      }
    }
    expect(leaked).toEqual([]);
  });

  test('in-scope accuracy is at least 95% and out-of-scope recall at least 90%', () => {
    const result = evaluate(classifier, heldOut);
    expect(result.inScopeAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(result.oosRecall).toBeGreaterThanOrEqual(0.9);
  });

  test('every intent is represented in the held-out set', () => {
    expect(new Set(heldOut.map((h) => h.intent))).toEqual(new Set(INTENTS));
  });
});

describe('classification output', () => {
  test('ranks every intent with scores in [0, 1], best first', () => {
    const result = classifier.classify('삭제한 상품 되살릴 수 있어요?');
    expect(result.ranking.map((r) => r.intent).sort()).toEqual([...INTENTS].sort());
    expect(result.ranking[0]).toEqual({ intent: result.intent, score: result.score });
    for (const [i, r] of result.ranking.entries()) {
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThanOrEqual(1);
      if (i > 0) expect(r.score).toBeLessThanOrEqual(result.ranking[i - 1].score);
    }
  });

  test.each([
    ['', 'none'],
    ['   ', 'none'],
    ['🙂🙂', 'none'],
    ['ㅁㄴㅇㄹ', 'none'],
    ['x'.repeat(5000), 'none'],
  ])('empty, symbol-only and unknown text %j is none', (text, intent) => {
    expect(classifier.classify(text).intent).toBe(intent);
  });

  test('spacing does not matter for Korean', () => {
    expect(classifier.classify('상품 삭제 어떻게 하나요').intent).toBe(classifier.classify('상품삭제어떻게하나요').intent);
  });

  test('labelling boundaries: 삭제 취소 is restore, 주문 취소 is out of scope', () => {
    expect(classifier.classify('삭제 취소').intent).toBe('restore_product');
    expect(classifier.classify('취소').intent).toBe('cancel');
    expect(classifier.classify('주문 취소하고 싶어요').intent).toBe('none');
  });
});
