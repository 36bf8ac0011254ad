// natural's index entry loads database drivers and ESM-only packages (jest on Node 20 then fails),
// so we pull in only the modules we use, by path.
import type { Stemmer } from 'natural/lib/natural/stemmers';

interface WordTokenizerClass {
  new (): { tokenize(text: string): string[] };
}

export const PorterStemmer: Stemmer = require('natural/lib/natural/stemmers/porter_stemmer');
export const WordTokenizer: WordTokenizerClass =
  require('natural/lib/natural/tokenizers/regexp_tokenizer').WordTokenizer;

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
