import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IN_SCOPE_INTENTS } from '../../intents/intentIds';
import { TrainingDataError, loadRules, loadTrainingExamples } from '../../intents/trainingData';

describe('training data files', () => {
  test('every intent has at least 40 examples with Korean and English', () => {
    const examples = loadTrainingExamples();
    for (const intent of [...IN_SCOPE_INTENTS, 'none']) {
      const texts = examples.filter((e) => e.intent === intent).map((e) => e.text);
      expect({ intent, enough: texts.length >= 40 }).toEqual({ intent, enough: true });
      expect(texts.some((t) => /[가-힣]/.test(t))).toBe(true);
      expect(texts.some((t) => /^[\x20-\x7e]+$/.test(t))).toBe(true);
    }
  });

  test('the shipped rules agree with the training data', () => {
    expect(() => loadRules(loadTrainingExamples())).not.toThrow();
  });

  describe('bad files are reported with file and entry', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'intents-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    test('an empty example', () => {
      writeFileSync(join(dir, 'hours.json'), JSON.stringify({ intent: 'hours', examples: ['운영시간', ' '] }));
      expect(() => loadTrainingExamples(dir)).toThrow(/hours\.json: example 2 " ": empty example/);
    });

    test('an unknown intent', () => {
      writeFileSync(join(dir, 'refund.json'), JSON.stringify({ intent: 'refund', examples: ['환불'] }));
      expect(() => loadTrainingExamples(dir)).toThrow(/refund\.json: intent/);
    });

    test('the same utterance under two intents', () => {
      writeFileSync(join(dir, 'cancel.json'), JSON.stringify({ intent: 'cancel', examples: ['삭제 취소'] }));
      writeFileSync(join(dir, 'restore_product.json'), JSON.stringify({ intent: 'restore_product', examples: ['삭제취소!'] }));
      expect(() => loadTrainingExamples(dir)).toThrow(/restore_product\.json: example "삭제취소!" is labelled "restore_product", but .*cancel\.json labels "삭제 취소" as "cancel"/);
    });

    test('a file named after another intent', () => {
      writeFileSync(join(dir, 'hours.json'), JSON.stringify({ intent: 'thanks', examples: ['감사'] }));
      expect(() => loadTrainingExamples(dir)).toThrow(/must be named thanks\.json/);
    });

    test('broken JSON', () => {
      writeFileSync(join(dir, 'hours.json'), '{"intent": "hours", ');
      expect(() => loadTrainingExamples(dir)).toThrow(/hours\.json: not valid JSON/);
    });

    test('a rule that contradicts a training example', () => {
      const rules = join(dir, 'rules.json');
      writeFileSync(rules, JSON.stringify({ rules: [{ intent: 'cancel', exact: ['주문 취소'] }] }));
      expect(() => loadRules([{ text: '주문취소', intent: 'none' }], rules)).toThrow(TrainingDataError);
      expect(() => loadRules([{ text: '주문취소', intent: 'none' }], rules)).toThrow(/rules\.0 \(cancel\) phrase "주문 취소" contradicts/);
    });
  });
});
