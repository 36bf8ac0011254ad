// Turns a message into sparse, Korean-aware features.
//
// natural's tokenizers keep only [A-Za-z0-9_], so a Korean message would come out empty. Korean is
// agglutinative and often typed without spaces, so we use character n-grams over the text with its
// spaces removed, word prefixes (the stem before particles and endings), and jamo n-grams and
// syllable skeletons that survive single-key typos. English goes through natural's tokenizer and
// Porter stemmer. On top of both, concept features from the lexicon name what a message is about in
// either language, so a paraphrase the training data never used still lands near its synonyms.
import type { ConceptLexicon } from './lexicon';
import { normalizeText, toLooseJamo, toSkeleton, wordsOnly } from './normalize';
import { NGrams, WordTokenizer, stem } from './naturalParts';

export type FeatureCounts = Map<string, number>;

/** Feature groups and their share of the vector's length; each group is normalised on its own. */
export const DEFAULT_GROUP_WEIGHTS = {
  c: 1.0, // Hangul character 1–3-grams, spacing-insensitive
  p: 0.7, // Korean word prefixes (stems)
  j: 0.6, // loose jamo 3-grams (typo tolerance)
  e: 1.0, // English stems and stem bigrams
  t: 0.5, // English character trigrams (typo tolerance)
  f: 1.0, // syllable skeleton bigrams: finals dropped, slipped vowels folded (typo tolerance)
  k: 1.5, // lexicon concepts, once per message: the strongest cue to what a new paraphrase means
  q: 1.0, // pairs of concepts: "DELETE with PROBLEM" means something neither means alone
};
// Group names are one letter: feature keys are "<group>:<text>" and the vectoriser reads the first character.
export type FeatureGroup = keyof typeof DEFAULT_GROUP_WEIGHTS;
export type GroupWeights = Record<FeatureGroup, number>;
export const FEATURE_GROUPS = Object.keys(DEFAULT_GROUP_WEIGHTS) as FeatureGroup[];

/**
 * How much one feature of each group counts when measuring coverage (the share of a message the
 * training data has seen): a recognised concept says more about being in the domain than one n-gram.
 */
export const DEFAULT_COVERAGE_WEIGHTS: GroupWeights = { c: 1, p: 1, j: 1, e: 1, t: 1, f: 1, k: 3, q: 1 };

export interface FeatureOptions {
  /** Concepts to add as features; null leaves them out. */
  lexicon?: ConceptLexicon | null;
  /** Add a feature for every pair of concepts a message names. */
  conceptPairs?: boolean;
}

const tokenizer = new WordTokenizer();
const HANGUL_RUN = /[\uAC00-\uD7A3\u3131-\u318E]+/g;
const ENGLISH_STOPWORDS = new Set(['a', 'an', 'the', 'to', 'of', 'i', 'my', 'me', 'is', 'it', 'and', 'or', 'be', 'do', 'does', 'can', 'please', 'pls', 'plz']);

function add(features: FeatureCounts, key: string): void {
  features.set(key, (features.get(key) ?? 0) + 1);
}

/** Character n-grams; callers pass BMP-only text (Hangul, jamo, ASCII), so string indices are characters. */
function charNgrams(features: FeatureCounts, group: FeatureGroup, text: string, sizes: number[]): void {
  const prefix = `${group}:`;
  for (const n of sizes) {
    for (let i = 0; i + n <= text.length; i++) add(features, prefix + text.slice(i, i + n));
  }
}

function koreanFeatures(features: FeatureCounts, words: string): void {
  const hangulWords = words.split(' ').map((w) => (w.match(HANGUL_RUN) ?? []).join('')).filter(Boolean);
  if (hangulWords.length === 0) return;
  const joined = hangulWords.join('');
  // Boundary markers let a one-word message ("복구") differ from the same word inside a sentence.
  charNgrams(features, 'c', joined, [1]);
  charNgrams(features, 'c', `^${joined}$`, [2, 3]);
  for (const word of hangulWords) {
    const syllables = Array.from(word);
    for (const len of [1, 2, 3]) if (syllables.length >= len) add(features, `p:${syllables.slice(0, len).join('')}`);
  }
  charNgrams(features, 'j', toLooseJamo(joined), [3]);
  const skeleton = toSkeleton(joined);
  for (let i = 0; i + 2 <= skeleton.length; i++) add(features, `f:${skeleton[i]}${skeleton[i + 1]}`);
}

function englishTokens(words: string): string[] {
  return tokenizer.tokenize(words.replace(HANGUL_RUN, ' '));
}

function englishFeatures(features: FeatureCounts, tokens: string[], allStems: string[]): void {
  const stems = allStems.filter((_, i) => !/^\d+$/.test(tokens[i]));
  for (const s of stems) if (!ENGLISH_STOPWORDS.has(s)) add(features, `e:${s}`);
  for (const [a, b] of NGrams.ngrams(stems, 2)) add(features, `e:${a}_${b}`);
  for (const token of tokens) if (token.length >= 3) charNgrams(features, 't', `<${token}>`, [3]);
}

function conceptFeatures(features: FeatureCounts, concepts: Set<string>, pairs: boolean): void {
  const ids = Array.from(concepts).sort();
  for (const id of ids) features.set(`k:${id}`, 1);
  if (!pairs) return;
  for (let a = 0; a < ids.length; a++) for (let b = a + 1; b < ids.length; b++) features.set(`q:${ids[a]}+${ids[b]}`, 1);
}

export class FeatureExtractor {
  private readonly lexicon: ConceptLexicon | null;
  private readonly conceptPairs: boolean;

  constructor(options: FeatureOptions = {}) {
    this.lexicon = options.lexicon ?? null;
    this.conceptPairs = options.conceptPairs ?? true;
  }

  /** Raw feature counts for one message (keys are prefixed with their group). */
  extract(text: string): FeatureCounts {
    const features: FeatureCounts = new Map();
    const words = wordsOnly(normalizeText(text));
    const joined = words.replace(/ /g, '');
    const tokens = englishTokens(words);
    const stems = tokens.map(stem);
    koreanFeatures(features, words);
    englishFeatures(features, tokens, stems);
    if (this.lexicon) conceptFeatures(features, this.lexicon.match(joined, tokens, stems), this.conceptPairs);
    if (features.size === 0 && joined.length > 0) add(features, `c:${joined}`);
    return features;
  }
}

const plain = new FeatureExtractor();

/** Features without concepts (the lexicon-free baseline). */
export function extractFeatures(text: string): FeatureCounts {
  return plain.extract(text);
}
