// Text normalisation shared by the classifier, the rules and the noise filter.
//
// Every message of a turn passes through here (often more than once: noise filter, rules, classifier),
// so the regular expressions are compiled once at module scope, and text made only of ASCII and
// Hangul, which is nearly every message, skips the Unicode-wide passes it cannot be changed by.

const HANGUL_SYLLABLE = /[\uAC00-\uD7A3]/;
const HANGUL_JAMO = /[\u3131-\u318E]/;

/** A character outside ASCII, compatibility jamo and Hangul syllables: the only ones NFKC or \p{…} classes need. */
const BEYOND_ASCII_AND_HANGUL = /[^\x00-\x7F\u3131-\u318E\uAC00-\uD7A3]/;
const OUTSIDE_JAMO = /[^\u3131-\u318E]+/g;
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF]/g;
const REPEATED_CHARACTER = /(.)\1{2,}/gu;
const WHITESPACE = /\s+/g;
const NOT_LETTER_OR_DIGIT = /[^\p{L}\p{N}]+/gu;
/** NOT_LETTER_OR_DIGIT for text of ASCII and Hangul only (every jamo and syllable there is a letter), without the slower Unicode tables. */
const NOT_ASCII_OR_HANGUL_LETTER_OR_DIGIT = /[^A-Za-z0-9\u3131-\u318E\uAC00-\uD7A3]+/g;
const SPACE = / /g;

const nfkc = (part: string): string => part.normalize('NFKC');

/** NFKC (jamo kept), lower case, zero-width characters gone, runs of one character capped, spaces collapsed. */
export function normalizeText(text: string): string {
  // NFKC folds full-width Latin and digits, but it would also turn compatibility jamo (ㅋ, ㅎ)
  // into conjoining jamo, so those are left as they are. ASCII and Hangul syllables are already NFKC
  // and never compose with one another, so text of only those and jamo skips the pass.
  const folded = BEYOND_ASCII_AND_HANGUL.test(text) ? text.replace(OUTSIDE_JAMO, nfkc) : text;
  return folded.toLowerCase().replace(ZERO_WIDTH, '').replace(REPEATED_CHARACTER, '$1$1').replace(WHITESPACE, ' ').trim();
}

/** Letters and digits only, each word separated by one space (punctuation and symbols become gaps). */
export function wordsOnly(normalized: string): string {
  const gaps = BEYOND_ASCII_AND_HANGUL.test(normalized) ? NOT_LETTER_OR_DIGIT : NOT_ASCII_OR_HANGUL_LETTER_OR_DIGIT;
  return normalized.replace(gaps, ' ').trim();
}

/** `wordsOnly` text with its spaces removed. */
export function withoutSpaces(words: string): string {
  return words.replace(SPACE, '');
}

/** The same text with every space removed: Korean spacing is optional, so features must not depend on it. */
export function compact(normalized: string): string {
  return withoutSpaces(wordsOnly(normalized));
}

/**
 * Whether two strings are at most one typo apart: equal, or a character left out, added, replaced, or
 * two neighbours swapped. By UTF-16 unit: Hangul, jamo and ASCII are one unit each.
 */
export function withinOneEdit(a: string, b: string): boolean {
  if (a.length < b.length) [a, b] = [b, a];
  if (a.length - b.length > 1) return false;
  let i = 0;
  while (i < b.length && a[i] === b[i]) i++;
  if (i === a.length) return true; // equal
  if (a.length > b.length) return a.slice(i + 1) === b.slice(i); // one character more
  if (a.slice(i + 1) === b.slice(i + 1)) return true; // one character replaced
  return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // two swapped
}

export function hasHangul(text: string): boolean {
  return HANGUL_SYLLABLE.test(text) || HANGUL_JAMO.test(text);
}

// Compatibility jamo, so decomposed text stays readable in feature dumps.
const INITIALS = Array.from('ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ');
const MEDIALS = Array.from('ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ');
const FINALS = ['', 'ㄱ', 'ㄲ', 'ㄳ', 'ㄴ', 'ㄵ', 'ㄶ', 'ㄷ', 'ㄹ', 'ㄺ', 'ㄻ', 'ㄼ', 'ㄽ', 'ㄾ', 'ㄿ', 'ㅀ', 'ㅁ', 'ㅂ', 'ㅄ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ'];
const FIRST_SYLLABLE = 0xac00;
const SYLLABLE_COUNT = INITIALS.length * MEDIALS.length * FINALS.length; // 11172

// Vowels sellers mix up when typing fast (재/제, 돼/되/뒈): folded so the slip costs nothing.
const LOOSE_VOWEL: Record<string, string> = { 'ㅐ': 'ㅔ', 'ㅒ': 'ㅖ', 'ㅙ': 'ㅚ', 'ㅞ': 'ㅚ' };

// Vowels a slip of the finger swaps (adjacent or shifted keys, ㅐ/ㅔ confusion), folded for skeletons.
const SKELETON_VOWEL: Record<string, string> = {
  'ㅐ': 'ㅔ', 'ㅒ': 'ㅔ', 'ㅖ': 'ㅔ', 'ㅑ': 'ㅏ', 'ㅕ': 'ㅓ', 'ㅛ': 'ㅗ', 'ㅠ': 'ㅜ', 'ㅙ': 'ㅚ', 'ㅞ': 'ㅚ', 'ㅢ': 'ㅡ',
};

/**
 * Initial + folded vowel for each of the 399 initial/vowel pairs, indexed like `(syllable - 가) / 28`.
 * Built once, so splitting a syllable is two table reads instead of string look-ups and concatenation.
 */
function initialVowelTable(folds: Record<string, string>): string[] {
  return INITIALS.flatMap((initial) => MEDIALS.map((medial) => initial + (folds[medial] ?? medial)));
}
const LOOSE_INITIAL_VOWEL = initialVowelTable(LOOSE_VOWEL);
const SKELETON_UNIT = initialVowelTable(SKELETON_VOWEL);

/** The syllable's offset from 가 when `code` is a precomposed Hangul syllable, else -1. */
function syllableIndex(code: number): number {
  const index = code - FIRST_SYLLABLE;
  return index >= 0 && index < SYLLABLE_COUNT ? index : -1;
}

/**
 * Splits Hangul syllables into jamo ("삭제" → "ㅅㅏㄱㅈㅔ"), folding easily confused vowels,
 * so that one mistyped jamo changes only a few n-grams instead of a whole syllable.
 */
export function toLooseJamo(text: string): string {
  let out = '';
  // By UTF-16 unit: everything but a syllable is copied as it is, so a surrogate pair stays intact.
  for (let i = 0; i < text.length; i++) {
    const syllable = syllableIndex(text.charCodeAt(i));
    out += syllable < 0 ? text[i] : LOOSE_INITIAL_VOWEL[Math.floor(syllable / 28)] + FINALS[syllable % 28];
  }
  return out;
}

/** One character's skeleton unit (see `toSkeleton`): initial and folded vowel, or the character itself. */
export function skeletonUnit(ch: string): string {
  const syllable = syllableIndex(ch.charCodeAt(0));
  return syllable < 0 ? ch : SKELETON_UNIT[Math.floor(syllable / 28)];
}

/**
 * Each syllable as its initial and folded vowel, final consonant dropped ("삭제했" → ["ㅅㅏ", "ㅈㅔ",
 * "ㅎㅔ"]): a missing or extra final (됬/됐, 햇/했) or a swapped vowel (샥/삭) leaves it unchanged.
 */
export function toSkeleton(text: string): string[] {
  const out: string[] = [];
  for (const ch of text) out.push(skeletonUnit(ch));
  return out;
}
