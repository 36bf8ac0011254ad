// Text normalisation shared by the classifier, the rules and the noise filter.

const HANGUL_SYLLABLE = /[\uAC00-\uD7A3]/;
const HANGUL_JAMO = /[\u3131-\u318E]/;

/** NFKC (jamo kept), lower case, zero-width characters gone, runs of one character capped, spaces collapsed. */
export function normalizeText(text: string): string {
  return text
    // NFKC folds full-width Latin and digits, but it would also turn compatibility jamo (ㅋ, ㅎ)
    // into conjoining jamo, so those are left as they are.
    .replace(/[^\u3131-\u318E]+/g, (part) => part.normalize('NFKC'))
    .toLowerCase()
    .replace(/[\u200B-\u200D\u2060\uFEFF]/g, '')
    .replace(/(.)\1{2,}/gu, '$1$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Letters and digits only, each word separated by one space (punctuation and symbols become gaps). */
export function wordsOnly(normalized: string): string {
  return normalized.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** The same text with every space removed: Korean spacing is optional, so features must not depend on it. */
export function compact(normalized: string): string {
  return wordsOnly(normalized).replace(/ /g, '');
}

export function hasHangul(text: string): boolean {
  return HANGUL_SYLLABLE.test(text) || HANGUL_JAMO.test(text);
}

// Compatibility jamo, so decomposed text stays readable in feature dumps.
const INITIALS = 'ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ';
const MEDIALS = 'ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ';
const FINALS = ['', 'ㄱ', 'ㄲ', 'ㄳ', 'ㄴ', 'ㄵ', 'ㄶ', 'ㄷ', 'ㄹ', 'ㄺ', 'ㄻ', 'ㄼ', 'ㄽ', 'ㄾ', 'ㄿ', 'ㅀ', 'ㅁ', 'ㅂ', 'ㅄ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ'];

// Vowels sellers mix up when typing fast (재/제, 돼/되/뒈): folded so the slip costs nothing.
const LOOSE_VOWEL: Record<string, string> = { 'ㅐ': 'ㅔ', 'ㅒ': 'ㅖ', 'ㅙ': 'ㅚ', 'ㅞ': 'ㅚ' };

/**
 * Splits Hangul syllables into jamo ("삭제" → "ㅅㅏㄱㅈㅔ"), folding easily confused vowels,
 * so that one mistyped jamo changes only a few n-grams instead of a whole syllable.
 */
export function toLooseJamo(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.charCodeAt(0) - 0xac00;
    if (code < 0 || code > 11171) {
      out += ch;
      continue;
    }
    const initial = INITIALS[Math.floor(code / 588)];
    const medial = MEDIALS[Math.floor((code % 588) / 28)];
    out += initial + (LOOSE_VOWEL[medial] ?? medial) + FINALS[code % 28];
  }
  return out;
}

// Vowels a slip of the finger swaps (adjacent or shifted keys, ㅐ/ㅔ confusion), folded for skeletons.
const SKELETON_VOWEL: Record<string, string> = {
  'ㅐ': 'ㅔ', 'ㅒ': 'ㅔ', 'ㅖ': 'ㅔ', 'ㅑ': 'ㅏ', 'ㅕ': 'ㅓ', 'ㅛ': 'ㅗ', 'ㅠ': 'ㅜ', 'ㅙ': 'ㅚ', 'ㅞ': 'ㅚ', 'ㅢ': 'ㅡ',
};

/**
 * Each syllable as its initial and folded vowel, final consonant dropped ("삭제했" → ["ㅅㅏ", "ㅈㅔ",
 * "ㅎㅔ"]): a missing or extra final (됬/됐, 햇/했) or a swapped vowel (샥/삭) leaves it unchanged.
 */
export function toSkeleton(text: string): string[] {
  const out: string[] = [];
  for (const ch of text) {
    const code = ch.charCodeAt(0) - 0xac00;
    if (code < 0 || code > 11171) {
      out.push(ch);
      continue;
    }
    const medial = MEDIALS[Math.floor((code % 588) / 28)];
    out.push(INITIALS[Math.floor(code / 588)] + (SKELETON_VOWEL[medial] ?? medial));
  }
  return out;
}
