// Messages that carry no request at all: laughter, a stray "네", keyboard mashing, emoji, numbers.
// They get the menu rather than "I didn't understand" (and never a handoff to an agent).
import { normalizeText } from './normalize';

/** A lone acknowledgement says nothing about what the seller wants. */
const ACKNOWLEDGEMENTS = new Set([
  '네', '넵', '넹', '네네', '넵넵', '예', '예예', '응', '웅', '엉', '어', '음', '흠', '아', '오', '와', '앗', '엥', '헐', 'ㅇㅇ', 'ㅇㅋ', '오키', '오케이',
  '아니', '아니요', '아니오', '아뇨',
  'ok', 'okay', 'okey', 'k', 'kk', 'yes', 'yep', 'yeah', 'no', 'nope', 'hmm', 'hm', 'um', 'uh',
]);

const KEYBOARD_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
const KEYBOARD_RUNS = [...KEYBOARD_ROWS, ...KEYBOARD_ROWS.map((row) => [...row].reverse().join(''))];

/** "asdfqwer", "zxcvasdf": runs of three or more neighbouring keys one after another. */
function isKeyboardRunChain(word: string): boolean {
  let i = 0;
  while (i < word.length) {
    let j = Math.min(word.length, i + KEYBOARD_ROWS[0].length); // no run is longer than a keyboard row
    while (j - i >= 3 && !KEYBOARD_RUNS.some((run) => run.includes(word.slice(i, j)))) j--;
    if (j - i < 3) return false;
    i = j;
  }
  return word.length >= 6;
}

/** "asdf", "qwerty", "sdfsdf", "hjkl": letters picked by position on the keyboard, not to spell a word. */
/** Four consonants in a row outside the clusters English spells (strengths, lengths, matchbox…). */
const CONSONANT_PILE = /[bcdfghjklmnpqrstvwxz]{4,}/;
const ENGLISH_CLUSTERS = /ngth|ngst|tchb|tchw|rstr|nstr|mpst|xtr|ghtl|ghts|lfth|ngths/g;

function isLatinMash(word: string): boolean {
  if (isKeyboardRunChain(word)) return true;
  // "asdkfj": letters no word strings together.
  if (word.length >= 5 && CONSONANT_PILE.test(word.replace(ENGLISH_CLUSTERS, 'a'))) return true;
  if (!/^[a-z]+$/.test(word)) return false;
  if (!/[aeiouy]/.test(word)) return true;
  if (/^(ha|he|ho|ah|lo)+[hl]?$/.test(word)) return true; // laughter: haha, hehe, lol
  if (word.length >= 3 && KEYBOARD_RUNS.some((run) => run.includes(word))) return true;
  const unit = /^(.{1,4}?)\1+$/.exec(word)?.[1];
  return unit !== undefined && (unit.length === 1 || KEYBOARD_RUNS.some((run) => run.includes(unit)) || !/[aeiouy]/.test(unit));
}

function isNoiseWord(word: string): boolean {
  const letters = word.replace(/[^\p{L}\p{N}]/gu, '');
  if (!/\p{L}/u.test(letters)) return true; // emoji, symbols, punctuation, digits
  if (ACKNOWLEDGEMENTS.has(letters)) return true;
  if (/^[\u3131-\u318E]+$/.test(letters)) return true; // bare jamo: ㅋㅋ, ㅎㅎ, ㅁㄴㅇㄹ
  return isLatinMash(letters);
}

export function isNoise(text: string): boolean {
  const normalized = normalizeText(text);
  if (!normalized) return true;
  if (ACKNOWLEDGEMENTS.has(normalized.replace(/[^\p{L}\p{N}\s]/gu, '').trim())) return true;
  return normalized.split(' ').every(isNoiseWord);
}
