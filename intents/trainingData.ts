// Loads the training utterances (intents/training/*.json) and the command rules (intents/rules.json).
// Both are edited by hand, so every problem is reported with the file and the entry.
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { projectPath } from './paths';
import { INTENTS, type Intent } from './intentIds';
import { compact, normalizeText } from './normalize';

export interface Example {
  text: string;
  intent: Intent;
}

export interface Rule {
  intent: Intent;
  /** Whole messages, compared without spaces and punctuation. */
  exact: string[];
}

export const TRAINING_DIR = projectPath('intents', 'training');
export const RULES_FILE = projectPath('intents', 'rules.json');

const trainingFileSchema = z.strictObject({
  intent: z.enum(INTENTS),
  examples: z.array(z.string().trim().min(1, 'empty example').max(300, 'example longer than 300 characters')).min(1),
});

const rulesFileSchema = z.strictObject({
  rules: z.array(
    z.strictObject({
      intent: z.enum(INTENTS),
      exact: z.array(z.string().trim().min(1)).min(1),
    }),
  ),
});

export class TrainingDataError extends Error {
  override name = 'TrainingDataError';
}

function describeIssues(file: string, error: z.ZodError, describeEntry: (path: PropertyKey[]) => string): string {
  return error.issues.map((issue) => `${file}: ${describeEntry(issue.path)}: ${issue.message}`).join('\n');
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TrainingDataError(`${file}: not valid JSON (${(error as Error).message})`);
  }
}

/** Key under which two texts count as the same utterance. */
export function utteranceKey(text: string): string {
  return compact(normalizeText(text));
}

/** The utteranceKey of every example loadTrainingExamples returned, so loadRules need not recompute it. */
const keyOfExample = new WeakMap<Example, string>();

export function loadTrainingExamples(dir = TRAINING_DIR): Example[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new TrainingDataError(`${dir}: no training files (*.json)`);
  const seen = new Map<string, { file: string; intent: Intent; text: string }>();
  const examples: Example[] = [];
  for (const name of files) {
    const file = join(dir, name);
    const raw = readJson(file);
    const parsed = trainingFileSchema.safeParse(raw);
    if (!parsed.success) {
      const list = (raw as { examples?: unknown[] })?.examples;
      throw new TrainingDataError(
        describeIssues(file, parsed.error, (path) =>
          path[0] === 'examples' && typeof path[1] === 'number'
            ? `example ${path[1] + 1} ${JSON.stringify(list?.[path[1]])}`
            : path.join('.') || 'file',
        ),
      );
    }
    const { intent } = parsed.data;
    if (basename(name, '.json') !== intent) {
      throw new TrainingDataError(`${file}: holds intent "${intent}" but the file must be named ${intent}.json`);
    }
    for (const text of parsed.data.examples) {
      const key = utteranceKey(text);
      const earlier = seen.get(key);
      if (earlier && earlier.intent !== intent) {
        throw new TrainingDataError(
          `${file}: example ${JSON.stringify(text)} is labelled "${intent}", but ${earlier.file} labels ${JSON.stringify(earlier.text)} as "${earlier.intent}"`,
        );
      }
      if (earlier) continue; // a repeat within one intent adds nothing
      seen.set(key, { file, intent, text });
      const example = { text, intent };
      keyOfExample.set(example, key);
      examples.push(example);
    }
  }
  return examples;
}

/** Rules must agree with the training data: a rule that fires on an example labelled otherwise is a contradiction. */
export function loadRules(examples: Example[], file = RULES_FILE): Rule[] {
  const raw = readJson(file);
  const parsed = rulesFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new TrainingDataError(describeIssues(file, parsed.error, (path) => path.join('.')));
  }
  const labelled = new Map(examples.map((e) => [keyOfExample.get(e) ?? utteranceKey(e.text), e]));
  const owner = new Map<string, Intent>();
  for (const [r, rule] of parsed.data.rules.entries()) {
    for (const phrase of rule.exact) {
      const key = utteranceKey(phrase);
      const example = labelled.get(key);
      if (example && example.intent !== rule.intent) {
        throw new TrainingDataError(
          `${file}: rules.${r} (${rule.intent}) phrase ${JSON.stringify(phrase)} contradicts training example ${JSON.stringify(example.text)} labelled "${example.intent}"`,
        );
      }
      const other = owner.get(key);
      if (other && other !== rule.intent) {
        throw new TrainingDataError(`${file}: phrase ${JSON.stringify(phrase)} is a rule for both "${other}" and "${rule.intent}"`);
      }
      owner.set(key, rule.intent);
    }
  }
  return parsed.data.rules;
}
