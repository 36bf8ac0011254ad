import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntentClassifier } from '../../intents/classifier';
import { FeatureExtractor } from '../../intents/features';
import { ConceptLexicon, loadLexicon } from '../../intents/lexicon';
import { compact, normalizeText, wordsOnly } from '../../intents/normalize';
import { TrainingDataError } from '../../intents/trainingData';

const lexicon = loadLexicon();

/** Concepts the shipped lexicon finds in a message, the way the feature extractor sees it. */
function concepts(text: string): string[] {
  const extractor = new FeatureExtractor({ lexicon, conceptPairs: false });
  return [...extractor.extract(text).keys()].filter((k) => k.startsWith('k:')).map((k) => k.slice(2)).sort();
}

describe('the shipped concept lexicon', () => {
  test('loads', () => {
    expect(lexicon.ids).toEqual(expect.arrayContaining(['DELETE', 'RESTORE', 'HUMAN', 'PROBLEM']));
  });

  test('Korean stems match without spaces, in any tense, with folded vowel slips', () => {
    expect(concepts('상품 삭제 방법')).toEqual(concepts('상품삭제방법'));
    expect(concepts('어제 지웠는데')).toContain('DELETE');
    expect(concepts('삭재가 안되여')).toEqual(expect.arrayContaining(['DELETE', 'PROBLEM']));
  });

  test('a longer entry claims its text: 고객센터 is support, not a customer', () => {
    expect(concepts('고객센터 전화번호')).toEqual(['CHANNEL', 'SUPPORT']);
    expect(concepts('찜한 고객')).toContain('CUSTOMER');
  });

  test('a stem of three syllables forgives one slipped jamo, a short one only a vowel', () => {
    expect(concepts('샹담원 불러줘')).toContain('HUMAN');
    expect(concepts('상담사라면')).toContain('HUMAN');
    expect(concepts('목록에서 사라져요')).not.toContain('HUMAN');
  });

  test('a typed jamo entry does not match inside syllables', () => {
    expect(concepts('ㄱㅅ')).toEqual(['THANKS']);
    expect(concepts('삭세')).not.toContain('THANKS');
  });

  test('English words match by stem, phrases as a whole, and one-letter typos of longer words', () => {
    expect(concepts('deleting listings')).toEqual(['DELETE', 'PRODUCT']);
    expect(concepts('how long is the wait')).toEqual(['WAIT']);
    expect(concepts('the delte button')).toContain('DELETE');
    expect(concepts('your order')).not.toContain('HOURS');
  });

  test('a real word one letter from an entry is not read as its typo', () => {
    expect(concepts('how do i remvoe a prodcut')).toEqual(['DELETE', 'HOW', 'PRODUCT']);
    expect(concepts('tell me about your hours')).toEqual(['HOURS']); // about is not abort
    expect(concepts('what about my deleted products')).toEqual(['DELETE', 'PRODUCT']);
    expect(concepts('is there a live chat')).not.toContain('WHERE');
    expect(concepts('remote')).toEqual([]); // not remove
  });

  test('Korean and English synonyms meet in one concept', () => {
    expect(concepts('복구')).toEqual(concepts('restore'));
    expect(concepts('상담사')).toEqual(concepts('agent'));
  });

  test('matching a whole message works on its compact form', () => {
    const words = wordsOnly(normalizeText('1:1 문의 어디서'));
    expect([...lexicon.match(compact(words), ['1', '1'])].sort()).toEqual(['CHANNEL', 'WHERE']);
  });
});

describe('a broken lexicon file stops loading with the file, concept and entry named', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lexicon-'));
    file = join(dir, 'lexicon.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (value: unknown): void => writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));

  test('broken JSON', () => {
    write('{"concepts": [');
    expect(() => loadLexicon(file)).toThrow(/lexicon\.json: not valid JSON/);
  });

  test('a concept id that is not UPPER_SNAKE_CASE', () => {
    write({ concepts: [{ id: 'delete', ko: ['삭제'] }] });
    expect(() => loadLexicon(file)).toThrow(/lexicon\.json: concept 1 \(delete\) id: concept id must be UPPER_SNAKE_CASE/);
  });

  test('a Korean entry with Latin letters', () => {
    write({ concepts: [{ id: 'DELETE', ko: ['삭제', 'delete'] }] });
    expect(() => loadLexicon(file)).toThrow(/concept 1 \(DELETE\) ko entry 2 "delete": a Korean entry holds Hangul and digits only/);
  });

  test('an English entry in capitals', () => {
    write({ concepts: [{ id: 'DELETE', en: ['Delete'] }] });
    expect(() => loadLexicon(file)).toThrow(/concept 1 \(DELETE\) en entry 1 "Delete": an English entry is lower-case words/);
  });

  test('an unknown field', () => {
    write({ concepts: [{ id: 'DELETE', ko: ['삭제'], kr: ['지우'] }] });
    expect(() => loadLexicon(file)).toThrow(/concept 1 \(DELETE\)/);
  });

  test('one entry in two concepts (spacing and English stems count as the same)', () => {
    write({ concepts: [{ id: 'DELETE', ko: ['상품 삭제'] }, { id: 'PRODUCT', ko: ['상품삭제'] }] });
    expect(() => loadLexicon(file)).toThrow(/concept PRODUCT entry "상품삭제" is already an entry of DELETE/);
    write({ concepts: [{ id: 'DELETE', en: ['delete'] }, { id: 'REMOVE', en: ['deleting'] }] });
    expect(() => loadLexicon(file)).toThrow(TrainingDataError);
  });

  test('a concept defined twice', () => {
    write({ concepts: [{ id: 'DELETE', ko: ['삭제'] }, { id: 'DELETE', ko: ['지우'] }] });
    expect(() => loadLexicon(file)).toThrow(/concept DELETE is defined twice/);
  });

  test('a lexicon built in code matches like the file', () => {
    const small = new ConceptLexicon([{ id: 'DELETE', ko: ['삭제'], en: ['remove'] }]);
    expect([...small.match('상품삭제', [])]).toEqual(['DELETE']);
    expect([...small.match('', ['removed'])]).toEqual(['DELETE']);
  });

  test('the real words near its entries are found from the word list, or taken as given (the model cache)', () => {
    const concepts = [{ id: 'STOP', ko: [], en: ['abort'] }];
    const found = new ConceptLexicon(concepts);
    expect(found.realWordsNearEntries).toContain('about');
    expect([...found.match('', ['about'])]).toEqual([]);
    const given = new ConceptLexicon(concepts, 'lexicon', ['abbort']);
    expect(given.realWordsNearEntries).toEqual(['abbort']);
    expect([...given.match('', ['about'])]).toEqual(['STOP']); // the list given, not natural's, decides
    expect([...given.match('', ['abbort'])]).toEqual([]);
  });

  test('a typo is one edit from its entry, and from the entries of one concept only', () => {
    const small = new ConceptLexicon([
      { id: 'FILM', ko: [], en: ['movie'] },
      { id: 'PROBLEM', ko: [], en: ['stuck'] },
      { id: 'PRODUCT', ko: [], en: ['stock'] },
    ]);
    const match = (token: string) => [...small.match('', [token])];
    expect(match('moviee')).toEqual(['FILM']);
    expect(match('movea')).toEqual([]); // shares "move" with movie, but is two edits from it
    expect(match('stuckk')).toEqual(['PROBLEM']);
    expect(match('stcok')).toEqual(['PRODUCT']);
    expect(match('stxck')).toEqual([]); // one edit from stuck and from stock
  });
});

describe('concepts carry what was learnt to words the training data never used', () => {
  const examples = [
    ...['상품 삭제 방법', '상품 삭제는 어떻게 해요', '상품 삭제하고 싶어요'].map((text) => ({ text, intent: 'delete_product' as const })),
    ...['삭제한 상품 복구', '상품 복구 방법', '복구하고 싶어요'].map((text) => ({ text, intent: 'restore_product' as const })),
    ...['배송비 설정', '정산 언제 돼요', '리뷰 답글 달기', '오늘 날씨'].map((text) => ({ text, intent: 'none' as const })),
  ];
  const train = (withLexicon: boolean) => new IntentClassifier(examples, [], { lexicon: withLexicon ? lexicon : null });

  // Trained on three Korean messages per intent, the model has never seen these English words; with
  // so little coverage the answer is still `none`, but the concepts already point at the right intent.
  const bestInScope = (withLexicon: boolean, text: string) => train(withLexicon).classify(text).ranking.find((r) => r.intent !== 'none')!;

  test.each([
    ['how do I remove a listing', 'delete_product'],
    ['can I get my deleted item back', 'restore_product'],
  ])('%j leans to %s only with the lexicon', (text, intent) => {
    const withConcepts = bestInScope(true, text);
    expect(withConcepts.intent).toBe(intent);
    expect(withConcepts.score).toBeGreaterThan(0.1);
    expect(bestInScope(false, text).score).toBe(0);
  });
});
