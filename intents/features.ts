// Turns a message into sparse, Korean-aware features.
//
// natural's tokenizers keep only [A-Za-z0-9_], so a Korean message would come out empty. Korean is
// agglutinative and often typed without spaces, so we use character n-grams over the text with its
// spaces removed, word prefixes (the stem before particles and endings), and jamo n-grams and
// syllable skeletons that survive single-key typos. English is split into natural's word tokens and
// goes through its Porter stemmer. On top of both, concept features from the lexicon name what a
// message is about in either language, so a paraphrase the training data never used still lands near
// its synonyms.
import type { ConceptLexicon } from './lexicon';
import { normalizeText, skeletonUnit, toLooseJamo, withoutSpaces, wordsOnly } from './normalize';
import { stem } from './naturalParts';

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

/**
 * Where extraction puts a message's features, one occurrence at a time and always in the same order
 * (the order fixes the vocabulary's indices, and so the model). A `FeatureCounter` builds the map of
 * counts training reads; at classification the vectoriser looks each feature up in its vocabulary as
 * it arrives, so no key strings or intermediate map are built for a message.
 */
export interface FeatureSink {
  /** One occurrence of the feature `text` of `group`, whose key is "<group>:<text>". */
  add(group: FeatureGroup, text: string): void;
  /** How many distinct features have been added. */
  readonly size: number;
}

/** Counts features by key ("<group>:<text>"): what training and the tests read. */
class FeatureCounter implements FeatureSink {
  readonly counts: FeatureCounts = new Map();

  get size(): number {
    return this.counts.size;
  }

  add(group: FeatureGroup, text: string): void {
    const key = `${group}:${text}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
}

/** A message normalised once, in the two forms feature extraction (and the classifier's rules) read. */
export interface MessageText {
  /** Letters and digits, one space between words (`wordsOnly` of `normalizeText`). */
  words: string;
  /** `words` without spaces, the same string as `utteranceKey` of the message. */
  compact: string;
}

export function readMessage(text: string): MessageText {
  const words = wordsOnly(normalizeText(text));
  return { words, compact: withoutSpaces(words) };
}

const NOT_HANGUL_OR_SPACE = /[^\uAC00-\uD7A3\u3131-\u318E ]+/g;
/**
 * English words: the tokens natural's WordTokenizer gives, which splits on the complement of this
 * class (Hangul is outside it, so it separates words too), found without its split-and-filter arrays.
 */
const ENGLISH_TOKEN = /[A-Za-zА-Яа-я0-9_]+/g;
const DIGITS_ONLY = /^\d+$/;
/** Words (as typed, lower-case: their stems would be "doe", "pleas", "pl") that add no unigram feature; bigrams keep them. */
const ENGLISH_STOPWORDS = new Set(['a', 'an', 'the', 'to', 'of', 'i', 'my', 'me', 'is', 'it', 'and', 'or', 'be', 'do', 'does', 'can', 'please', 'pls', 'plz']);

/** Character n-grams of one size; callers pass BMP-only text (Hangul, jamo, ASCII), so string indices are characters. */
function charNgrams(sink: FeatureSink, group: FeatureGroup, text: string, n: number): void {
  for (let i = 0; i + n <= text.length; i++) sink.add(group, text.slice(i, i + n));
}

/** The first one, two and three syllables of each word of `hangulWords` (words separated by spaces, some empty). */
function wordPrefixes(sink: FeatureSink, hangulWords: string): void {
  for (let start = 0; start < hangulWords.length; ) {
    const space = hangulWords.indexOf(' ', start);
    const end = space < 0 ? hangulWords.length : space;
    for (let length = 1; length <= 3 && start + length <= end; length++) sink.add('p', hangulWords.slice(start, start + length));
    start = end + 1;
  }
}

/** Bigrams of syllable skeletons (see `toSkeleton`) over Hangul-only text. */
function skeletonBigrams(sink: FeatureSink, hangul: string): void {
  let previous = skeletonUnit(hangul[0]);
  for (let i = 1; i < hangul.length; i++) {
    const unit = skeletonUnit(hangul[i]);
    sink.add('f', previous + unit);
    previous = unit;
  }
}

function koreanFeatures(sink: FeatureSink, words: string): void {
  // Each word keeps only its Hangul; a word with none becomes empty and adds no prefixes.
  const hangulWords = words.replace(NOT_HANGUL_OR_SPACE, '');
  const joined = withoutSpaces(hangulWords);
  if (joined.length === 0) return;
  charNgrams(sink, 'c', joined, 1);
  // Boundary markers let a one-word message ("복구") differ from the same word inside a sentence.
  const bounded = `^${joined}$`;
  charNgrams(sink, 'c', bounded, 2);
  charNgrams(sink, 'c', bounded, 3);
  wordPrefixes(sink, hangulWords);
  charNgrams(sink, 'j', toLooseJamo(joined), 3);
  skeletonBigrams(sink, joined);
}

function englishTokens(words: string): string[] {
  return words.match(ENGLISH_TOKEN) ?? [];
}

function englishFeatures(sink: FeatureSink, tokens: string[], allStems: string[]): void {
  const stems: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (DIGITS_ONLY.test(tokens[i])) continue;
    stems.push(allStems[i]);
    if (!ENGLISH_STOPWORDS.has(tokens[i])) sink.add('e', allStems[i]);
  }
  for (let i = 1; i < stems.length; i++) sink.add('e', `${stems[i - 1]}_${stems[i]}`);
  for (const token of tokens) if (token.length >= 3) charNgrams(sink, 't', `<${token}>`, 3);
}

/** `ids` sorted, so a pair is always named the same way round. */
function conceptFeatures(sink: FeatureSink, ids: string[], pairs: boolean): void {
  for (const id of ids) sink.add('k', id);
  if (!pairs) return;
  for (let a = 0; a < ids.length; a++) for (let b = a + 1; b < ids.length; b++) sink.add('q', `${ids[a]}+${ids[b]}`);
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
    const counter = new FeatureCounter();
    this.extractInto(readMessage(text), counter);
    return counter.counts;
  }

  /** Adds the features of an already normalised message to `sink`. */
  extractInto(message: MessageText, sink: FeatureSink): void {
    const { words, compact } = message;
    const before = sink.size;
    const tokens = englishTokens(words);
    const stems = tokens.map(stem);
    koreanFeatures(sink, words);
    englishFeatures(sink, tokens, stems);
    if (this.lexicon) conceptFeatures(sink, this.lexicon.conceptsIn(compact, tokens, stems), this.conceptPairs);
    // A message with letters but no feature at all (another script, say) is still told apart from silence.
    if (sink.size === before && compact.length > 0) sink.add('c', compact);
  }
}

const plain = new FeatureExtractor();

/** Features without concepts (the lexicon-free baseline). */
export function extractFeatures(text: string): FeatureCounts {
  return plain.extract(text);
}
