// Scores the classifier on labelled messages: the numbers the eval CLI prints and the tests assert.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { IntentClassifier } from './classifier';
import { INTENTS, type Intent } from './intentIds';

export interface Prediction {
  text: string;
  expected: Intent;
  predicted: Intent;
  score: number;
}

export interface LabelStats {
  intent: Intent;
  support: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface Evaluation {
  predictions: Prediction[];
  inScopeAccuracy: number;
  oosRecall: number;
  oosPrecision: number;
  macroF1: number;
  perLabel: LabelStats[];
  /** confusion[expected][predicted] = count */
  confusion: Record<string, Record<string, number>>;
}

const lineSchema = z.object({ text: z.string(), intent: z.enum(INTENTS) });

/** Labelled messages, one JSON object a line (`{"text": ..., "intent": ...}`); a bad line names the file and line. */
export function readJsonl(file: string): z.infer<typeof lineSchema>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line, i) => ({ line: line.trim(), number: i + 1 }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, number }) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new Error(`${file}:${number}: not valid JSON`);
      }
      const parsed = lineSchema.safeParse(value);
      if (!parsed.success) throw new Error(`${file}:${number}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
      return parsed.data;
    });
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

export function evaluate(classifier: IntentClassifier, data: { text: string; intent: Intent }[]): Evaluation {
  return scorePredictions(
    data.map(({ text, intent }) => {
      const result = classifier.classify(text);
      return { text, expected: intent, predicted: result.intent, score: result.score };
    }),
  );
}

/** The metrics of a set of predictions (cross-validation pools the predictions of every fold). */
export function scorePredictions(predictions: Prediction[]): Evaluation {
  const confusion: Record<string, Record<string, number>> = {};
  for (const p of predictions) {
    confusion[p.expected] ??= {};
    confusion[p.expected][p.predicted] = (confusion[p.expected][p.predicted] ?? 0) + 1;
  }
  const labels = INTENTS.filter((i) => predictions.some((p) => p.expected === i || p.predicted === i));
  const perLabel = labels.map((intent) => {
    const tp = predictions.filter((p) => p.expected === intent && p.predicted === intent).length;
    const support = predictions.filter((p) => p.expected === intent).length;
    const predicted = predictions.filter((p) => p.predicted === intent).length;
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    return { intent, support, precision, recall, f1: ratio(2 * precision * recall, precision + recall) };
  });
  const inScope = predictions.filter((p) => p.expected !== 'none');
  const none = perLabel.find((l) => l.intent === 'none');
  return {
    predictions,
    inScopeAccuracy: ratio(inScope.filter((p) => p.predicted === p.expected).length, inScope.length),
    oosRecall: none?.recall ?? 0,
    oosPrecision: none?.precision ?? 0,
    macroF1: ratio(perLabel.reduce((sum, l) => sum + l.f1, 0), perLabel.length),
    perLabel,
    confusion,
  };
}
