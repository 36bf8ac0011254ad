// The intent classifier: command rules first, then a sparse logistic regression whose confidence is
// damped for messages the training data barely covers, so that out-of-scope text lands on `none`.
import { FeatureExtractor, type GroupWeights, readMessage } from './features';
import { INTENTS, type Intent } from './intentIds';
import { type ConceptLexicon, projectConceptLexicon } from './lexicon';
import { DEFAULT_TRAINING, SoftmaxRegression, type TrainingOptions, Vectorizer, softmaxInPlace } from './model';
import { type ModelSnapshot, modelCacheKey, readCachedModel, writeCachedModel } from './modelCache';
import { type Example, type Rule, loadRules, loadTrainingExamples, utteranceKey } from './trainingData';

export interface RankedIntent {
  intent: Intent;
  score: number;
}

export interface Classification {
  intent: Intent;
  score: number;
  /** Every intent, `none` included, best first. */
  ranking: RankedIntent[];
}

export interface ClassifierOptions {
  training?: TrainingOptions;
  /**
   * How strongly unfamiliar messages are pushed towards `none`: logits are scaled by
   * coverage^coverageExponent, where coverage is the share of the message's features seen in training
   * (weighted by group, see `coverageWeights`).
   */
  coverageExponent?: number;
  /** Weight of a matching rule in the final scores (the model keeps the rest). */
  ruleWeight?: number;
  /** Below this best in-scope score a message is out of scope even when `none` itself scores lower. */
  noneThreshold?: number;
  /**
   * Training weight of out-of-scope examples relative to in-scope ones. Above 1 because near-domain
   * `none` messages share most of their words with in-scope ones (리뷰 삭제 vs 상품 삭제).
   */
  noneWeight?: number;
  /** Concept lexicon; intents/lexicon.json when left out, null for none. */
  lexicon?: ConceptLexicon | null;
  /** Add features for pairs of concepts in one message. */
  conceptPairs?: boolean;
  /** Share of each feature group in a message's vector (see features.ts). */
  groupWeights?: Partial<GroupWeights>;
  /** How much a feature of each group counts towards coverage (see DEFAULT_COVERAGE_WEIGHTS). */
  coverageWeights?: Partial<GroupWeights>;
}

const NONE_INDEX = INTENTS.indexOf('none');

export class IntentClassifier {
  private readonly extractor: FeatureExtractor;
  private readonly lexicon: ConceptLexicon | null;
  private readonly vectorizer: Vectorizer;
  private readonly model: SoftmaxRegression;
  /** Rule phrases by utterance key, each with the index of its intent. */
  private readonly rules = new Map<string, number>();
  /** Scratch for one message's scores: `classify` returns rounded copies, never this array. */
  private readonly scores = new Float64Array(INTENTS.length);
  private readonly coverageExponent: number;
  private readonly ruleWeight: number;
  private readonly noneThreshold: number;

  /** With a snapshot (a model trained earlier on the same data and code) nothing is trained. */
  constructor(examples: Example[], rules: Rule[] = [], options: ClassifierOptions = {}, snapshot?: ModelSnapshot) {
    this.coverageExponent = options.coverageExponent ?? 1.5;
    this.ruleWeight = options.ruleWeight ?? 0.95;
    this.noneThreshold = options.noneThreshold ?? 0.35;
    for (const rule of rules) for (const phrase of rule.exact) this.rules.set(utteranceKey(phrase), INTENTS.indexOf(rule.intent));
    this.lexicon = options.lexicon === undefined ? projectConceptLexicon(snapshot?.realWordsNearEntries) : options.lexicon;
    this.extractor = new FeatureExtractor({ lexicon: this.lexicon, conceptPairs: options.conceptPairs });
    this.vectorizer = new Vectorizer(options.groupWeights, options.coverageWeights);
    if (snapshot) {
      this.vectorizer.restore(snapshot.vectorizer);
      this.model = new SoftmaxRegression(this.vectorizer.size, INTENTS.length);
      this.model.restore(snapshot.model);
      return;
    }
    const vectors = this.vectorizer.fitTransform(examples.map((e) => this.extractor.extract(e.text)));
    this.model = new SoftmaxRegression(this.vectorizer.size, INTENTS.length);
    this.model.train(
      vectors,
      examples.map((e) => INTENTS.indexOf(e.intent)),
      options.training ?? DEFAULT_TRAINING,
      INTENTS.map((intent) => (intent === 'none' ? (options.noneWeight ?? 1.3) : 1)),
    );
  }

  /**
   * The classifier for intents/training, intents/rules.json and intents/lexicon.json. Loads the model
   * built by `npm run build` when data, code and options are unchanged; otherwise trains (and caches).
   */
  static fromProjectData(options: ClassifierOptions = {}): IntentClassifier {
    const examples = loadTrainingExamples();
    const rules = loadRules(examples);
    const key = modelCacheKey(examples, rules, options);
    const cached = readCachedModel(key);
    if (cached) {
      try {
        return new IntentClassifier(examples, rules, options, cached);
      } catch {
        // A damaged cache file is no reason not to start: train instead.
      }
    }
    const classifier = new IntentClassifier(examples, rules, options);
    writeCachedModel(key, classifier.snapshot());
    return classifier;
  }

  snapshot(): ModelSnapshot {
    return { vectorizer: this.vectorizer.snapshot(), model: this.model.snapshot(), realWordsNearEntries: this.lexicon?.realWordsNearEntries };
  }

  get featureCount(): number {
    return this.vectorizer.size;
  }

  get memoryBytes(): number {
    return this.model.memoryBytes;
  }

  classify(text: string): Classification {
    // Normalised once: the features and the rule key both come from this.
    const message = readMessage(text);
    const x = this.vectorizer.transform(message, this.extractor);
    const scores = this.model.logits(x, this.scores);
    const damping = Math.pow(x.coverage, this.coverageExponent);
    for (let j = 0; j < scores.length; j++) scores[j] *= damping;
    softmaxInPlace(scores);
    if (x.length === 0) {
      scores.fill(0);
      scores[NONE_INDEX] = 1;
    }
    // A message no in-scope intent claims firmly enough is out of scope.
    let topInScope = 0;
    for (let j = 0; j < scores.length; j++) if (j !== NONE_INDEX && scores[j] > topInScope) topInScope = scores[j];
    if (topInScope < this.noneThreshold) scores[NONE_INDEX] = Math.max(scores[NONE_INDEX], 1 - topInScope);

    // The compact form is the message's utteranceKey, which the rules are stored under.
    const ruleIntent = this.rules.get(message.compact);
    if (ruleIntent !== undefined) {
      for (let j = 0; j < scores.length; j++) scores[j] *= 1 - this.ruleWeight;
      scores[ruleIntent] += this.ruleWeight;
    }
    const ranking = rank(scores);
    return { intent: ranking[0].intent, score: ranking[0].score, ranking };
  }
}

/** Every intent with its rounded score, best first; equal scores keep the order of INTENTS. */
function rank(scores: Float64Array): RankedIntent[] {
  const ranking: RankedIntent[] = [];
  // Insertion sort: 13 entries, and a new entry only passes entries that score strictly lower, so
  // the order is the one a stable sort by descending score gives.
  for (let j = 0; j < INTENTS.length; j++) {
    const entry = { intent: INTENTS[j], score: round(scores[j]) };
    let at = ranking.length;
    ranking.push(entry);
    for (; at > 0 && ranking[at - 1].score < entry.score; at--) ranking[at] = ranking[at - 1];
    ranking[at] = entry;
  }
  return ranking;
}

function round(score: number): number {
  return Math.round(Math.min(1, Math.max(0, score)) * 10000) / 10000;
}
