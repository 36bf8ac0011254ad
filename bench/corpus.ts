// Texts the benchmark sends: the training utterances, the held-out set and variations of both, in
// Korean and English, as sellers would type them.
import { projectPath } from '../intents/paths';
import { readJsonl } from '../intents/evaluate';
import { hasHangul } from '../intents/normalize';
import { loadTrainingExamples } from '../intents/trainingData';

export interface LabelledText {
  text: string;
  intent: string;
  lang: 'ko' | 'en';
}

export function heldOut(): LabelledText[] {
  return readJsonl(projectPath('tests', 'nlu', 'heldout.jsonl')).map(({ text, intent }) => ({ text, intent, lang: hasHangul(text) ? 'ko' : 'en' }));
}

export function training(): LabelledText[] {
  return loadTrainingExamples().map(({ text, intent }) => ({ text, intent, lang: hasHangul(text) ? 'ko' : 'en' }));
}

const KO_PREFIXES = ['', '혹시 ', '안녕하세요 ', '저기요 ', '급해요 '];
const KO_SUFFIXES = ['', '?', '??', ' ㅠㅠ', ' 알려주세요', '요', '!!'];
const EN_PREFIXES = ['', 'hi, ', 'hello ', 'quick question: ', 'pls '];
const EN_SUFFIXES = ['', '?', '??', ' thanks', ' asap', '!!', ' :('];

/** Deterministic variations of each text until there are at least `minimum` messages. */
export function variations(base: LabelledText[], minimum: number): LabelledText[] {
  const out: LabelledText[] = [...base];
  let round = 0;
  while (out.length < minimum) {
    round++;
    for (let i = 0; i < base.length && out.length < minimum; i++) {
      const { text, intent, lang } = base[i];
      const k = i + round;
      const prefixes = lang === 'ko' ? KO_PREFIXES : EN_PREFIXES;
      const suffixes = lang === 'ko' ? KO_SUFFIXES : EN_SUFFIXES;
      let varied = `${prefixes[k % prefixes.length]}${text}${suffixes[(k * 3) % suffixes.length]}`;
      switch (round % 4) {
        case 1:
          varied = varied.replace(/ /g, ''); // no spacing at all (common in Korean chat)
          break;
        case 2:
          varied = lang === 'en' ? varied.toUpperCase() : varied.replace(/제/g, '재'); // shouting, a typo
          break;
        case 3:
          varied = `${varied} ${base[(i * 7 + round) % base.length].text}`; // two questions in one message
          break;
        default:
          break;
      }
      out.push({ text: varied, intent, lang });
    }
  }
  return out;
}
