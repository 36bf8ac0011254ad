import { extractFeatures } from '../../intents/features';

const englishFeatures = (text: string): string[] => [...extractFeatures(text).keys()].filter((k) => k.startsWith('e:'));

test('English stopwords add no word feature, though their stems differ ("does" → doe, "please" → pleas, "pls" → pl)', () => {
  // Only "work" stands alone; bigrams keep the stopwords, as "does it work" says more than "work".
  expect(englishFeatures('please does it work pls')).toEqual(['e:work', 'e:pleas_doe', 'e:doe_it', 'e:it_work', 'e:work_pl']);
});

test('a word that only stems like a stopword is kept', () => {
  expect(englishFeatures('pleased')).toEqual(['e:pleas']);
});
