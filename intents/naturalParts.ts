// natural's index entry loads database drivers and ESM-only packages (jest on Node 20 then fails),
// so we pull in only the modules we use, by path.
import { readFileSync } from 'node:fs';
import type { Stemmer } from 'natural/lib/natural/stemmers';

interface WordTokenizerClass {
  new (): { tokenize(text: string): string[] };
}

export const PorterStemmer: Stemmer = require('natural/lib/natural/stemmers/porter_stemmer');
export const WordTokenizer: WordTokenizerClass =
  require('natural/lib/natural/tokenizers/regexp_tokenizer').WordTokenizer;

/** The installed natural's version: its stemmer, tokenizer and word list shape every model. */
export const NATURAL_VERSION: string = JSON.parse(readFileSync(require.resolve('natural/package.json'), 'utf8')).version;

const stemCache = new Map<string, string>();

/** Porter stem of one token, memoised: natural's stemmer is slow and the same words recur in every message. */
export function stem(token: string): string {
  let stemmed = stemCache.get(token);
  if (stemmed === undefined) {
    if (stemCache.size > 50_000) stemCache.clear(); // bounded: a long-running bot sees endless typos
    stemmed = PorterStemmer.stem(token);
    stemCache.set(token, stemmed);
  }
  return stemmed;
}

/** natural's English lexicon (its Brill tagger's, from pos-js: about 92,000 words and their tags). */
const ENGLISH_LEXICON = 'natural/lib/natural/brill_pos_tagger/data/English/lexicon_from_posjs.json';
/** A key of the lexicon file that is a plain lower-case word: in JSON, a string followed by a colon is a key. */
const LOWER_CASE_KEY = /"([a-z]+)":/g;

/**
 * Real English words (lower-case, letters only) as natural knows them, about 42,000. Read from the
 * file's text (a JSON key is a string followed by a colon): five times faster than parsing 4 MB of tags.
 */
export function* englishWords(): Generator<string> {
  for (const match of readFileSync(require.resolve(ENGLISH_LEXICON), 'utf8').matchAll(LOWER_CASE_KEY)) yield match[1];
}
