// Turns a message into sparse, Korean-aware features.
//
// natural's tokenizers keep only [A-Za-z0-9_], so a Korean message would come out empty. Korean is
// agglutinative and often typed without spaces, so we use character n-grams over the text with its
// spaces removed, word prefixes (the stem before particles and endings), and jamo n-grams that
// survive single-key typos. English goes through natural's tokenizer and Porter stemmer.
import { compact, normalizeText, toLooseJamo, wordsOnly } from './normalize';
import { NGrams, PorterStemmer, WordTokenizer } from './naturalParts';

export type FeatureCounts = Map<string, number>;

/** Feature groups and their share of the vector's length; each group is normalised on its own. */
export const GROUP_WEIGHTS = {
  c: 1.0, // Hangul character 1–3-grams, spacing-insensitive
  p: 0.7, // Korean word prefixes (stems)
  j: 0.6, // loose jamo 3-grams (typo tolerance)
  e: 1.0, // English stems and stem bigrams
  t: 0.5, // English character trigrams (typo tolerance)
} as const;
export type FeatureGroup = keyof typeof GROUP_WEIGHTS;

const tokenizer = new WordTokenizer();
const HANGUL_RUN = /[\uAC00-\uD7A3\u3131-\u318E]+/g;
const ENGLISH_STOPWORDS = new Set(['a', 'an', 'the', 'to', 'of', 'i', 'my', 'me', 'is', 'it', 'and', 'or', 'be', 'do', 'does', 'can', 'please', 'pls', 'plz']);

function add(features: FeatureCounts, key: string): void {
  features.set(key, (features.get(key) ?? 0) + 1);
}

function charNgrams(features: FeatureCounts, group: FeatureGroup, text: string, sizes: number[]): void {
  const chars = Array.from(text);
  for (const n of sizes) {
    for (let i = 0; i + n <= chars.length; i++) add(features, `${group}:${chars.slice(i, i + n).join('')}`);
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
}

function englishFeatures(features: FeatureCounts, words: string): void {
  const tokens = tokenizer.tokenize(words.replace(HANGUL_RUN, ' '));
  const stems = tokens.filter((t) => !/^\d+$/.test(t)).map((t) => PorterStemmer.stem(t));
  const content = stems.filter((s) => !ENGLISH_STOPWORDS.has(s));
  for (const stem of content) add(features, `e:${stem}`);
  for (const [a, b] of NGrams.ngrams(stems, 2)) add(features, `e:${a}_${b}`);
  for (const token of tokens) if (token.length >= 3) charNgrams(features, 't', `<${token}>`, [3]);
}

/** Raw feature counts for one message (keys are prefixed with their group). */
export function extractFeatures(text: string): FeatureCounts {
  const features: FeatureCounts = new Map();
  const words = wordsOnly(normalizeText(text));
  koreanFeatures(features, words);
  englishFeatures(features, words);
  if (features.size === 0 && compact(words).length > 0) add(features, `c:${compact(words)}`);
  return features;
}
