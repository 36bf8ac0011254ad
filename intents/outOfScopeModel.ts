// Which uncovered seller-center topic a message the classifier reads as "none" is about, learned from
// labelled examples (intents/outOfScope.json) so that colloquial forms ("가게 그만하려고요", "잠깐 숨겨
// 두기만") are named like the cue words are; "unrelated" (chit-chat, noise) is a class of its own, and so
// is "in scope" (the facet examples), so that a deletion question in new words is not taken for a trap.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { FeatureExtractor, type MessageText, readMessage } from './features';
import { loadFacetExamples } from './facetModel';
import { projectConceptLexicon } from './lexicon';
import { SoftmaxRegression, Vectorizer, softmaxInPlace } from './model';
import { projectPath } from './paths';

export const OUT_OF_SCOPE_FILE = projectPath('intents', 'outOfScope.json');
const UNRELATED = 'unrelated';
const IN_SCOPE = 'in_scope';

const example = z.string().trim().min(1).max(300);

export interface OutOfScopeGuess {
  topic: string;
  score: number;
  /** Share of the message's features the examples have seen. */
  coverage: number;
}

const TRAINING = { epochs: 8, learningRate: 0.5, l2: 1e-4, seed: 13 };

export class OutOfScopeModel {
  private readonly extractor = new FeatureExtractor({ lexicon: projectConceptLexicon() });
  private readonly vectorizer = new Vectorizer();
  private readonly labels: string[];
  private readonly model: SoftmaxRegression;
  private readonly scores: Float64Array<ArrayBuffer>;

  /**
   * `topics`: the named topics the examples may use (the reader's list), so the file cannot invent one;
   * `inScope`: questions the bot answers (the facet examples).
   */
  constructor(topics: readonly string[], inScope: readonly string[] = loadFacetExamples().map((e) => e.text), file = OUT_OF_SCOPE_FILE) {
    const schema = z.strictObject({
      about: z.string().optional(),
      topics: z.strictObject(Object.fromEntries(topics.map((t) => [t, z.array(example).min(1)]))),
      unrelated: z.array(example).min(1),
    });
    const parsed = schema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${file}: ${i.path.join('.')}: ${i.message}`).join('\n'));
    const rows: [string, string][] = [
      ...Object.entries(parsed.data.topics as Record<string, string[]>).flatMap(([topic, texts]) => texts.map((t): [string, string] => [topic, t])),
      ...parsed.data.unrelated.map((t): [string, string] => [UNRELATED, t]),
      ...inScope.map((t): [string, string] => [IN_SCOPE, t]),
    ];
    this.labels = [UNRELATED, IN_SCOPE, ...topics];
    const vectors = this.vectorizer.fitTransform(rows.map(([, text]) => this.extractor.extract(text)));
    this.model = new SoftmaxRegression(this.vectorizer.size, this.labels.length);
    this.model.train(
      vectors,
      rows.map(([label]) => this.labels.indexOf(label)),
      TRAINING,
    );
    this.scores = new Float64Array(this.labels.length);
  }

  /** The named topic most likely meant, or undefined when "unrelated" or "in scope" wins, or nothing is known. */
  guess(text: string | MessageText): OutOfScopeGuess | undefined {
    const x = this.vectorizer.transform(typeof text === 'string' ? readMessage(text) : text, this.extractor);
    if (x.length === 0) return undefined;
    const scores = softmaxInPlace(this.model.logits(x, this.scores));
    let best = 0;
    for (let j = 1; j < scores.length; j++) if (scores[j] > scores[best]) best = j;
    return best < 2 ? undefined : { topic: this.labels[best], score: scores[best], coverage: x.coverage };
  }
}

const models = new Map<string, OutOfScopeModel>();

/** One model per topic list, trained once per process. */
export function projectOutOfScopeModel(topics: readonly string[]): OutOfScopeModel {
  const key = topics.join(',');
  let model = models.get(key);
  if (!model) {
    model = new OutOfScopeModel(topics);
    models.set(key, model);
  }
  return model;
}
