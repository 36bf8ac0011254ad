// npm run --silent cv -- [--folds 5] [--repeats 3] [--seed 1] [--options JSON] [--json] [--misses]
//
// Stratified k-fold cross-validation over the training data: the number to tune on, because the
// held-out set must stay unseen. Each fold trains a fresh classifier on the other folds (with the
// rules that do not name a held-back message, so an exact rule cannot answer for the model).
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { type ClassifierOptions, IntentClassifier } from '../classifier';
import { type Prediction, evaluate, scorePredictions } from '../evaluate';
import { FEATURE_GROUPS } from '../features';
import { INTENTS } from '../intentIds';
import { mulberry32, shuffleInPlace } from '../model';
import { type Example, type Rule, loadRules, loadTrainingExamples, utteranceKey } from '../trainingData';

const weightsSchema = z.partialRecord(z.enum(FEATURE_GROUPS), z.number().min(0));

/** The tunable classifier options, as JSON on the command line; `"lexicon": null` trains without concepts. */
const optionsSchema = z.strictObject({
  training: z.strictObject({ epochs: z.int().positive(), learningRate: z.number().positive(), l2: z.number().min(0), seed: z.int() }).optional(),
  coverageExponent: z.number().min(0).optional(),
  ruleWeight: z.number().min(0).max(1).optional(),
  noneThreshold: z.number().min(0).max(1).optional(),
  noneWeight: z.number().positive().optional(),
  lexicon: z.null().optional(),
  conceptPairs: z.boolean().optional(),
  groupWeights: weightsSchema.optional(),
  coverageWeights: weightsSchema.optional(),
});

/** Deterministic shuffle, so two runs with the same seed compare like with like. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = items.slice();
  shuffleInPlace(out, mulberry32(seed));
  return out;
}

/** Fold number of every example, dealt round-robin within each intent so folds keep the class mix. */
function assignFolds(examples: Example[], folds: number, seed: number): number[] {
  const fold = new Array<number>(examples.length);
  for (const intent of INTENTS) {
    const members = examples.map((e, i) => ({ e, i })).filter(({ e }) => e.intent === intent);
    shuffled(members, seed).forEach(({ i }, k) => (fold[i] = k % folds));
  }
  return fold;
}

function rulesWithout(rules: Rule[], test: Example[]): Rule[] {
  const held = new Set(test.map((e) => utteranceKey(e.text)));
  return rules.map((r) => ({ ...r, exact: r.exact.filter((p) => !held.has(utteranceKey(p))) })).filter((r) => r.exact.length > 0);
}

interface CvResult {
  inScopeAccuracy: number;
  oosRecall: number;
  oosPrecision: number;
  macroF1: number;
  misses: Prediction[];
  trainMs: number;
}

function crossValidate(options: ClassifierOptions, folds: number, repeats: number, seed: number): CvResult {
  const examples = loadTrainingExamples();
  const rules = loadRules(examples);
  const predictions: Prediction[] = [];
  let trainMs = 0;
  for (let r = 0; r < repeats; r++) {
    const fold = assignFolds(examples, folds, seed + r);
    for (let f = 0; f < folds; f++) {
      const train = examples.filter((_, i) => fold[i] !== f);
      const test = examples.filter((_, i) => fold[i] === f);
      const started = performance.now();
      const classifier = new IntentClassifier(train, rulesWithout(rules, test), options);
      trainMs += performance.now() - started;
      predictions.push(...evaluate(classifier, test).predictions);
    }
  }
  // Pooled, so every message weighs the same once per repeat.
  const { inScopeAccuracy, oosRecall, oosPrecision, macroF1 } = scorePredictions(predictions);
  const misses = predictions.filter((p) => p.predicted !== p.expected);
  return { inScopeAccuracy, oosRecall, oosPrecision, macroF1, misses, trainMs: trainMs / (folds * repeats) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`--options: not valid JSON: ${text}`);
  }
}

function parseOption<T>(name: string, schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`${name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      folds: { type: 'string', default: '5' },
      repeats: { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      options: { type: 'string', default: '{}' },
      json: { type: 'boolean' },
      misses: { type: 'boolean' },
    },
  });
  const options: ClassifierOptions = parseOption('--options', optionsSchema, parseJson(values.options));
  const count = z.coerce.number().int();
  const result = crossValidate(
    options,
    parseOption('--folds', count.min(2), values.folds),
    parseOption('--repeats', count.min(1), values.repeats),
    parseOption('--seed', count, values.seed),
  );
  if (values.json) {
    process.stdout.write(`${JSON.stringify(values.misses ? result : { ...result, misses: result.misses.length })}\n`);
    return;
  }
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  process.stdout.write(
    `in-scope accuracy ${pct(result.inScopeAccuracy)}  oos recall ${pct(result.oosRecall)}  oos precision ${pct(result.oosPrecision)}  macro F1 ${result.macroF1.toFixed(3)}  train ${result.trainMs.toFixed(0)} ms/fold\n`,
  );
  if (values.misses) {
    for (const m of result.misses) process.stdout.write(`  [${m.expected} → ${m.predicted} ${m.score.toFixed(2)}] ${m.text}\n`);
  }
}

try {
  main();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
