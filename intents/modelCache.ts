// A trained model saved to disk, so start-up loads it in milliseconds instead of training. It is
// keyed by everything the model depends on (training data, rules, lexicon, options and the code of
// the classifier itself), so an edit to any of them retrains on the next start, never a stale model.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { projectPath } from '../bot/paths';
import { LEXICON_FILE } from './lexicon';
import type { ClassifierOptions } from './classifier';
import type { SoftmaxSnapshot, VectorizerSnapshot } from './model';
import type { Example, Rule } from './trainingData';

export interface ModelSnapshot {
  vectorizer: VectorizerSnapshot;
  model: SoftmaxSnapshot;
}

/** node_modules/.cache is where build tools keep such files: ignored by git, gone with a clean install. */
export const MODEL_CACHE_DIR = projectPath('node_modules', '.cache', 'seller-support-bot');

const FORMAT = 1;
/** The modules whose code decides what a trained model contains. */
const MODEL_CODE = ['normalize', 'naturalParts', 'lexicon', 'features', 'model', 'classifier', 'trainingData'];

function codeFingerprint(): string {
  const ext = extname(__filename); // .ts under jest, .js from dist: each has its own cache entry
  return MODEL_CODE.map((name) => readFileSync(join(__dirname, `${name}${ext}`), 'utf8')).join('\0');
}

/** Undefined when the options cannot be fingerprinted (a lexicon object passed in): then nothing is cached. */
export function modelCacheKey(examples: Example[], rules: Rule[], options: ClassifierOptions): string | undefined {
  if (options.lexicon !== undefined) return undefined;
  return createHash('sha256')
    .update(String(FORMAT))
    .update(codeFingerprint())
    .update(JSON.stringify(examples))
    .update(JSON.stringify(rules))
    .update(readFileSync(LEXICON_FILE))
    .update(JSON.stringify(options))
    .digest('hex')
    .slice(0, 32);
}

const fileFor = (key: string) => join(MODEL_CACHE_DIR, `intent-model-${key}.json`);

export function readCachedModel(key: string | undefined): ModelSnapshot | undefined {
  if (!key) return undefined;
  try {
    return JSON.parse(readFileSync(fileFor(key), 'utf8')) as ModelSnapshot;
  } catch {
    return undefined;
  }
}

/** Best effort: a read-only install still works, it just trains at every start. */
export function writeCachedModel(key: string | undefined, snapshot: ModelSnapshot): void {
  if (!key) return;
  try {
    mkdirSync(MODEL_CACHE_DIR, { recursive: true });
    const temporary = `${fileFor(key)}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(snapshot));
    renameSync(temporary, fileFor(key)); // atomic: parallel test workers never read half a file
  } catch {
    // not writable: fine
  }
}
