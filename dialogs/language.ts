// Which language to answer in: Hangul means Korean, mostly Latin words mean English, anything else
// ("ok", "1", an emoji) keeps the conversation's language.
import type { Language } from '../knowledge/schema';

const HANGUL = /[\uAC00-\uD7A3\u3131-\u318E]/;
// A label in quotes or brackets ("tap (삭제)", "the '삭제' button") is quoted, not written in: the words around it say the language.
const QUOTED = /\([^()\n]{0,40}\)|\[[^[\]\n]{0,40}\]|'[^'\n]{0,40}'|"[^"\n]{0,40}"|‘[^‘’\n]{0,40}’|“[^“”\n]{0,40}”|「[^「」\n]{0,40}」/g;

export function detectLanguage(text: string): Language | undefined {
  if (HANGUL.test(text)) {
    const unquoted = text.replace(QUOTED, ' ');
    if (HANGUL.test(unquoted)) return 'ko';
    return detectLanguage(unquoted) ?? 'ko';
  }
  const words = text.match(/[A-Za-z]{2,}/g) ?? [];
  const letters = words.join('').length;
  const meaningful = text.replace(/[\s\p{P}\p{S}\d]/gu, '').length;
  // "ok" alone says nothing about the language; two real words or a longer word do.
  if (letters >= 4 && letters >= meaningful * 0.6) return 'en';
  return undefined;
}

export function languageFromLocale(locale: string | undefined): Language {
  return locale?.toLowerCase().startsWith('en') ? 'en' : 'ko';
}

/** Latin words that make an English sentence rather than one English word in a Korean chat ("agent", "ok", "delete"). */
const ENGLISH_SENTENCE_WORDS = 3;

/**
 * The conversation's language after this message: Korean stays Korean through a word or two of English
 * ("agent pls", "상품 delete"), and switches on an English sentence; otherwise as detectLanguage says.
 */
export function nextLanguage(text: string, current: Language | undefined): Language | undefined {
  const detected = detectLanguage(text);
  if (detected !== 'en' || current !== 'ko') return detected ?? current;
  const words = text.match(/[A-Za-z]{2,}/g) ?? [];
  return words.length >= ENGLISH_SENTENCE_WORDS ? 'en' : 'ko';
}
