// The concept lexicon (intents/lexicon.json): Korean stems and English words that mean the same thing
// in this domain, each group mapped to one concept ("DELETE", "RESTORE", …).
//
// Character n-grams only know the words the training data happens to use; a concept feature lets a
// new paraphrase ("없애고 싶어요", "unlist") and the other language share what the model learnt from
// its synonyms. The file is edited by hand, so every problem is reported with the concept and entry.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { projectPath } from './paths';
import { skeletonUnit, toLooseJamo, toSkeleton, withinOneEdit } from './normalize';
import { WordTokenizer, englishWords, stem } from './naturalParts';
import { TrainingDataError } from './trainingData';

export const LEXICON_FILE = projectPath('intents', 'lexicon.json');

const conceptSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'concept id must be UPPER_SNAKE_CASE'),
    note: z.string().optional(),
    ko: z.array(z.string().trim().regex(/^[\uAC00-\uD7A3\u3131-\u318E0-9 ]+$/, 'a Korean entry holds Hangul and digits only')).default([]),
    en: z.array(z.string().trim().regex(/^[a-z0-9][a-z0-9'/:. -]*$/, 'an English entry is lower-case words')).default([]),
  })
  .refine((c) => c.ko.length + c.en.length > 0, 'a concept needs at least one ko or en entry');

const lexiconSchema = z.strictObject({
  $comment: z.string().optional(),
  concepts: z.array(conceptSchema).min(1),
});

export type ConceptDefinition = z.infer<typeof conceptSchema>;

const tokenizer = new WordTokenizer();
/** Marks where a syllable starts, so a stem only ever matches from the start of a syllable. */
const SYLLABLE_START = '\u00b7';
/** Below this length a slip of one letter is as likely to be another word ("hour"/"your"). */
const FUZZY_MIN_LENGTH = 5;

/**
 * Korean text as loose jamo with a marker before every syllable: "지웠" still contains the stem "지워"
 * (ㅈㅣ·ㅇㅝ is a prefix of ㅈㅣ·ㅇㅝㅆ), 삭재 folds to 삭제, and a typed "ㄱㅅ" cannot match across
 * the syllables of "삭세".
 */
function lexiconKey(compactText: string): string {
  return koreanUnits(compactText).key;
}

interface KoreanUnits {
  /** The lexicon key of the whole text. */
  key: string;
  /** How many characters (code points) the text has; the arrays below hold one entry per character. */
  length: number;
  /** Where each character starts in `key`. */
  starts: number[];
  loose: string[];
  skeleton: string[];
}

/** The lexicon key of a text, with each character's start in it, loose jamo and skeleton. */
function koreanUnits(compactText: string): KoreanUnits {
  const loose: string[] = [];
  const starts: number[] = [];
  const skeleton: string[] = [];
  let key = '';
  for (const ch of compactText) {
    const syllable = isSyllable(ch);
    const jamo = syllable ? toLooseJamo(ch) : ch;
    loose.push(jamo);
    skeleton.push(skeletonUnit(ch));
    starts.push(key.length);
    key += syllable ? SYLLABLE_START + jamo : ch;
  }
  return { key, length: loose.length, starts, loose, skeleton };
}

/**
 * Jamo that differ between two syllables with the same skeleton (so the same initial): the vowel,
 * and the final unless finals may slip. The last syllable of a stem may carry any final in the text
 * ("지워" in "지웠"), as in exact matching.
 */
function jamoSlips(entry: string, text: string, last: boolean, finalsMaySlip: boolean): number {
  if (last ? text.startsWith(entry) : text === entry) return 0;
  const vowel = entry[1] === text[1] ? 0 : 1;
  const final = (entry[2] ?? '') === (text[2] ?? '') || (last && entry.length === 2) ? 0 : finalsMaySlip ? 1 : 2;
  return vowel + final;
}

/** How many characters from index `i` on start before `end` in the key. */
function charsIn(starts: number[], i: number, end: number): number {
  let n = 0;
  while (i + n < starts.length && starts[i + n] < end) n++;
  return n;
}

/** Whether a character (one code point) is a precomposed Hangul syllable; by code, as string comparison is slower. */
function isSyllable(ch: string): boolean {
  const code = ch.charCodeAt(0);
  return code >= 0xac00 && code <= 0xd7a3;
}

function englishStems(text: string): string[] {
  return tokenizer.tokenize(text.toLowerCase()).map(stem);
}

/** What an entry must start with to match at `at`: a whole initial and vowel, or one other character. */
function headAt(text: string, at: number): string {
  return text[at] === SYLLABLE_START ? text.slice(at, at + 3) : text[at];
}

/**
 * Every string one deletion away, plus the word itself: two words within one edit share one of these
 * (so do some two edits apart, "moved"/"movie" share "move": `withinOneEdit` tells them apart).
 */
function deletions(word: string): string[] {
  const out = [word];
  for (let i = 0; i < word.length; i++) out.push(word.slice(0, i) + word.slice(i + 1));
  return out;
}

interface KoreanEntry {
  key: string;
  concept: number;
}

/** A stem of two or more syllables, as syllable skeletons and loose jamo, for matching with one slip. */
interface SlipEntry {
  skeleton: string[];
  loose: string[];
  concept: number;
}

interface EnglishEntry {
  stems: string[];
  concept: number;
}

/** A single English word of an entry, for matching with one typo. */
interface FuzzyEntry {
  word: string;
  concept: number;
}

export class ConceptLexicon {
  readonly ids: string[];
  /** Concept indices in the order of their sorted ids (see `conceptsIn`). */
  private readonly byName: number[];
  /** By how an entry starts (see `headAt`), longest first, so "고객센터" claims its text before "고객" can. */
  private readonly korean = new Map<string, KoreanEntry[]>();
  /**
   * Stems of two or more syllables by the skeletons of their first and second syllables, longest
   * first: a stem only slips where both agree, so a text position has a handful of stems to try.
   */
  private readonly koreanSlips = new Map<string, Map<string, SlipEntry[]>>();
  /** By first stem, longest phrase first. */
  private readonly english = new Map<string, EnglishEntry[]>();
  /** Single-word English entries by their one-deletion neighbourhood, for typos ("delte", "servise"). */
  private readonly fuzzy = new Map<string, FuzzyEntry[]>();
  /** Every word of every English entry: a token that is one of them is never read as a typo of another. */
  private readonly entryWords = new Set<string>();
  /** Real English words one typo from an entry ("about" from "abort"): never read as that typo. */
  private readonly realWordsNearEntrySet = new Set<string>();

  /**
   * `realWordsNearEntries`, when given, is what an earlier lexicon of the same file, code and natural
   * version worked out (the model cache keeps it): then the word list is not read at all.
   */
  constructor(concepts: ConceptDefinition[], source = 'lexicon', realWordsNearEntries?: readonly string[]) {
    this.ids = concepts.map((c) => c.id);
    this.byName = [...this.ids].sort().map((id) => this.ids.indexOf(id));
    const owner = new Map<string, string>();
    // An entry in two concepts would fire only for the first: refused, so the file says what it does.
    const claim = (key: string, concept: ConceptDefinition, entry: string): void => {
      const other = owner.get(key);
      if (other !== undefined && other !== concept.id) {
        throw new TrainingDataError(`${source}: concept ${concept.id} entry ${JSON.stringify(entry)} is already an entry of ${other}`);
      }
      owner.set(key, concept.id);
    };
    for (const [c, concept] of concepts.entries()) {
      if (this.ids.indexOf(concept.id) !== c) throw new TrainingDataError(`${source}: concept ${concept.id} is defined twice`);
      for (const entry of concept.ko) claim(`ko:${this.addKorean(entry.replace(/ /g, ''), c)}`, concept, entry);
      for (const entry of concept.en) {
        const stems = this.addEnglish(entry, c);
        if (stems.length === 0) throw new TrainingDataError(`${source}: concept ${concept.id} entry ${JSON.stringify(entry)} has no words`);
        claim(`en:${stems.join(' ')}`, concept, entry);
      }
    }
    for (const list of this.korean.values()) list.sort((a, b) => b.key.length - a.key.length);
    for (const lists of this.koreanSlips.values()) for (const list of lists.values()) list.sort((a, b) => b.skeleton.length - a.skeleton.length);
    for (const list of this.english.values()) list.sort((a, b) => b.stems.length - a.stems.length);
    // Worked out once here (about 0.1 s), so that no message waits for the word list and only the few
    // hundred words that matter stay in memory.
    if (realWordsNearEntries) {
      for (const word of realWordsNearEntries) this.realWordsNearEntrySet.add(word);
    } else if (this.fuzzy.size > 0) {
      for (const word of englishWords()) if (this.typoConcept(word) !== undefined) this.realWordsNearEntrySet.add(word);
    }
  }

  /** The real English words one typo from an entry, for the model cache (see the constructor). */
  get realWordsNearEntries(): string[] {
    return [...this.realWordsNearEntrySet];
  }

  /**
   * Concepts named by a message: `compactText` is the message without spaces, `tokens` its lower-case
   * English words and `stems` their Porter stems (the caller has them already).
   */
  match(compactText: string, tokens: string[], stems: string[] = tokens.map(stem)): Set<string> {
    return new Set(Array.from(this.find(compactText, tokens, stems), (c) => this.ids[c]));
  }

  /** The ids of the concepts `match` finds, sorted (the order feature extraction needs). */
  conceptsIn(compactText: string, tokens: string[], stems: string[]): string[] {
    const found = this.find(compactText, tokens, stems);
    const ids: string[] = [];
    if (found.size > 0) for (const c of this.byName) if (found.has(c)) ids.push(this.ids[c]);
    return ids;
  }

  /** Indices of the concepts a message names, in the order they were found. */
  private find(compactText: string, tokens: string[], stems: string[]): Set<number> {
    const found = new Set<number>();
    this.matchKorean(compactText, found);
    this.matchEnglish(tokens, stems, found);
    return found;
  }

  /** Indexes a Korean stem (spaces removed); returns its key. */
  private addKorean(entry: string, concept: number): string {
    const key = lexiconKey(entry);
    const list = this.korean.get(headAt(key, 0)) ?? [];
    list.push({ key, concept });
    this.korean.set(headAt(key, 0), list);
    const syllables = Array.from(entry);
    if (syllables.length >= 2 && syllables.every(isSyllable)) {
      const skeleton = toSkeleton(entry);
      const lists = this.koreanSlips.get(skeleton[0]) ?? new Map<string, SlipEntry[]>();
      const slips = lists.get(skeleton[1]) ?? [];
      slips.push({ skeleton, loose: syllables.map((ch) => toLooseJamo(ch)), concept });
      lists.set(skeleton[1], slips);
      this.koreanSlips.set(skeleton[0], lists);
    }
    return key;
  }

  /** Indexes an English word or phrase; returns its stems. */
  private addEnglish(entry: string, concept: number): string[] {
    const stems = englishStems(entry);
    if (stems.length === 0) return stems;
    const list = this.english.get(stems[0]) ?? [];
    list.push({ stems, concept });
    this.english.set(stems[0], list);
    for (const word of tokenizer.tokenize(entry)) this.entryWords.add(word);
    if (stems.length === 1 && entry.length >= FUZZY_MIN_LENGTH) {
      for (const d of deletions(entry)) {
        const list = this.fuzzy.get(d) ?? [];
        if (!list.some((e) => e.word === entry)) list.push({ word: entry, concept });
        this.fuzzy.set(d, list);
      }
    }
    return stems;
  }

  /**
   * Leftmost-longest scan from each character's start: each stretch of text belongs to one entry, so
   * "고객센터" does not also say "고객", and a stem never starts inside a syllable. Where no entry
   * matches exactly, a stem of two or more syllables still matches with one slipped syllable.
   */
  private matchKorean(compactText: string, found: Set<number>): void {
    const units = koreanUnits(compactText);
    for (let i = 0; i < units.length; ) {
      const at = units.starts[i];
      const exact = this.exactAt(units.key, at);
      const length = exact ? charsIn(units.starts, i, at + exact.key.length) : this.matchSlip(units, i, found);
      if (exact) found.add(exact.concept);
      i += Math.max(1, length);
    }
  }

  /** The longest entry that matches the key at `at`, if any. */
  private exactAt(key: string, at: number): KoreanEntry | undefined {
    const candidates = this.korean.get(headAt(key, at));
    if (candidates) for (const entry of candidates) if (key.startsWith(entry.key, at)) return entry;
    return undefined;
  }

  /**
   * Matches a stem whose syllables all have the text's skeletons and differ from it in one jamo at
   * most; returns its length. Two-syllable stems only forgive a slipped vowel (샥제): with a final
   * changed they turn into everyday words too often (사람/사라져, 없애/어디에, 스톱/스토어).
   */
  private matchSlip(units: KoreanUnits, i: number, found: Set<number>): number {
    if (i + 1 >= units.length) return 0; // every stem here has two syllables or more
    for (const entry of this.koreanSlips.get(units.skeleton[i])?.get(units.skeleton[i + 1]) ?? []) {
      const n = entry.skeleton.length;
      if (i + n > units.length) continue;
      let slips = 0;
      for (let k = 0; k < n && slips < 2; k++) {
        if (units.skeleton[i + k] !== entry.skeleton[k]) slips = 2;
        else slips += jamoSlips(entry.loose[k], units.loose[i + k], k === n - 1, n > 2);
      }
      if (slips < 2) {
        found.add(entry.concept);
        return n;
      }
    }
    return 0;
  }

  private matchEnglish(tokens: string[], stems: string[], found: Set<number>): void {
    for (let i = 0; i < stems.length; i++) {
      const phrase = this.english.get(stems[i])?.find((e) => e.stems.every((s, k) => stems[i + k] === s));
      if (phrase) {
        found.add(phrase.concept);
        i += phrase.stems.length - 1;
        continue;
      }
      const slip = this.fuzzyMatch(tokens[i]);
      if (slip !== undefined) found.add(slip);
    }
  }

  /**
   * The concept of the entry a token is one typo away from. Not for a token that is a word in its own
   * right ("about" is not "abort", "remote" not "remove"): one of the lexicon's words or a real English
   * word as natural knows it. A token one typo from entries of two concepts ("stxck": "stuck" and
   * "stock") says neither, as an exact entry in two concepts is refused at load.
   */
  private fuzzyMatch(token: string): number | undefined {
    return this.realWordsNearEntrySet.has(token) ? undefined : this.typoConcept(token);
  }

  /** The one concept whose single-word entry `token` is one typo from (not an entry word itself). */
  private typoConcept(token: string): number | undefined {
    if (token.length < FUZZY_MIN_LENGTH || /\d/.test(token) || this.entryWords.has(token)) return undefined;
    let concept: number | undefined;
    for (const d of deletions(token)) {
      for (const entry of this.fuzzy.get(d) ?? []) {
        if (entry.concept === concept || !withinOneEdit(token, entry.word)) continue;
        if (concept !== undefined) return undefined;
        concept = entry.concept;
      }
    }
    return concept;
  }
}

function describeEntry(raw: unknown, path: PropertyKey[]): string {
  if (path[0] !== 'concepts' || typeof path[1] !== 'number') return path.join('.') || 'file';
  const concept = (raw as { concepts?: { id?: unknown }[] })?.concepts?.[path[1]];
  const name = `concept ${path[1] + 1}${typeof concept?.id === 'string' ? ` (${concept.id})` : ''}`;
  if ((path[2] === 'ko' || path[2] === 'en') && typeof path[3] === 'number') {
    const list = (concept as Record<string, unknown[]> | undefined)?.[path[2]];
    return `${name} ${path[2]} entry ${path[3] + 1} ${JSON.stringify(list?.[path[3]])}`;
  }
  return path.length > 2 ? `${name} ${path.slice(2).join('.')}` : name;
}

export function loadLexicon(file = LEXICON_FILE, realWordsNearEntries?: readonly string[]): ConceptLexicon {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TrainingDataError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = lexiconSchema.safeParse(raw);
  if (!parsed.success) {
    throw new TrainingDataError(parsed.error.issues.map((i) => `${file}: ${describeEntry(raw, i.path)}: ${i.message}`).join('\n'));
  }
  return new ConceptLexicon(parsed.data.concepts, file, realWordsNearEntries);
}

let projectLexicon: ConceptLexicon | undefined;

/**
 * intents/lexicon.json, read once per process (cross-validation trains many classifiers).
 * `realWordsNearEntries`: see the ConceptLexicon constructor.
 */
export function projectConceptLexicon(realWordsNearEntries?: readonly string[]): ConceptLexicon {
  projectLexicon ??= loadLexicon(LEXICON_FILE, realWordsNearEntries);
  return projectLexicon;
}
