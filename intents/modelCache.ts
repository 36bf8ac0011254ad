// A trained model saved to disk, so start-up loads it in milliseconds instead of training. It is
// keyed by everything the model depends on (training data, rules, lexicon, options, the code of the
// classifier itself, the intent ids and natural's version), so an edit to any of them retrains on the
// next start, never a stale model.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { projectPath } from './paths';
import { LEXICON_FILE } from './lexicon';
import { NATURAL_VERSION } from './naturalParts';
import type { ClassifierOptions } from './classifier';
import type { SoftmaxSnapshot, VectorizerSnapshot } from './model';
import type { Example, Rule } from './trainingData';

export interface ModelSnapshot {
  vectorizer: VectorizerSnapshot;
  model: SoftmaxSnapshot;
  /** The lexicon's real English words near its entries: reading natural's word list for them is a tenth of start-up. */
  realWordsNearEntries?: string[];
}

/** node_modules/.cache is where build tools keep such files: ignored by git, gone with a clean install. */
export const MODEL_CACHE_DIR = projectPath('node_modules', '.cache', 'seller-support-bot');

const FORMAT = 3;
/**
 * The modules whose code decides what a trained model contains; intentIds among them, as the model's
 * outputs are the intents in that order (reordered, an old model would answer with the wrong labels).
 */
const MODEL_CODE = ['normalize', 'naturalParts', 'lexicon', 'features', 'model', 'classifier', 'trainingData', 'intentIds'];
/** .ts under jest, .js from dist: each flavour of the code keeps its own file. */
const FLAVOUR = extname(__filename).slice(1);

function codeFingerprint(): string {
  return MODEL_CODE.map((name) => readFileSync(join(__dirname, `${name}.${FLAVOUR}`), 'utf8')).join('\0');
}

/** Undefined when the options cannot be fingerprinted (a lexicon object passed in): then nothing is cached. */
export function modelCacheKey(examples: Example[], rules: Rule[], options: ClassifierOptions): string | undefined {
  if (options.lexicon !== undefined) return undefined;
  return createHash('sha256')
    .update(String(FORMAT))
    .update(codeFingerprint())
    .update(`natural ${NATURAL_VERSION}\0`)
    .update(JSON.stringify(examples))
    .update(JSON.stringify(rules))
    .update(readFileSync(LEXICON_FILE))
    .update(JSON.stringify(options))
    .digest('hex')
    .slice(0, 32);
}

/** What the cache file holds: the snapshot and the key it was trained for. */
interface CacheFile {
  key: string;
  snapshot: ModelSnapshot;
}

/** One file per flavour, whatever the key: a retrained model replaces the last one instead of piling up. */
const fileIn = (dir: string) => join(dir, `intent-model-${FLAVOUR}.json`);
/** Files of the first format, one per key (intent-model-<32 hex digits>.json). */
const KEYED_FILE = /^intent-model-[0-9a-f]{32}\.json$/;

/** The cached model if it was trained for `key`. */
export function readCachedModel(key: string | undefined, dir = MODEL_CACHE_DIR): ModelSnapshot | undefined {
  if (!key) return undefined;
  try {
    const cached = JSON.parse(readFileSync(fileIn(dir), 'utf8')) as Partial<CacheFile>;
    return cached.key === key ? cached.snapshot : undefined;
  } catch {
    return undefined;
  }
}

/** Best effort: a read-only install still works, it just trains at every start. */
export function writeCachedModel(key: string | undefined, snapshot: ModelSnapshot, dir = MODEL_CACHE_DIR): void {
  if (!key) return;
  try {
    mkdirSync(dir, { recursive: true });
    const file: CacheFile = { key, snapshot };
    const temporary = `${fileIn(dir)}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(file));
    renameSync(temporary, fileIn(dir)); // atomic: parallel test workers never read half a file
    for (const name of readdirSync(dir)) if (KEYED_FILE.test(name)) rmSync(join(dir, name), { force: true });
  } catch {
    // not writable: fine
  }
}
