// Which part of a topic a message asks about, learned from labelled examples (intents/facets/<topic>.json):
// one small softmax regression per topic over the classifier's features, with "overview" as a class of
// its own, so that a general question is not pushed into a facet.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { FACETS, FACET_TOPICS, type FacetTopic } from './facetIds';
import { FeatureExtractor, type MessageText, readMessage } from './features';
import { projectConceptLexicon } from './lexicon';
import { SoftmaxRegression, type SparseVector, Vectorizer, softmaxInPlace } from './model';
import { projectPath } from './paths';

export const FACETS_DIR = projectPath('intents', 'facets');
export const OVERVIEW = 'overview';
/** A message about another topic altogether: what keeps a follow-up from being forced into this topic. */
export const OTHER_TOPIC = 'other_topic';

const example = z.string().trim().min(1, 'empty example').max(300, 'example longer than 300 characters');
const fileSchema = z.strictObject({
  topic: z.enum(FACET_TOPICS as [FacetTopic, ...FacetTopic[]]),
  overview: z.array(example).min(1),
  facets: z.record(z.string(), z.array(example).min(1)),
});

export interface FacetExample {
  topic: FacetTopic;
  /** A facet of the topic, or OVERVIEW for a general question about it. */
  facet: string;
  text: string;
}

export class FacetDataError extends Error {
  override name = 'FacetDataError';
}

/** Every topic needs a file, and every file names exactly its topic's facets. */
export function loadFacetExamples(dir = FACETS_DIR): FacetExample[] {
  const examples: FacetExample[] = [];
  const seen = new Set<FacetTopic>();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const file = join(dir, name);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new FacetDataError(`${file}: not valid JSON (${(error as Error).message})`);
    }
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success) throw new FacetDataError(parsed.error.issues.map((i) => `${file}: ${i.path.join('.')}: ${i.message}`).join('\n'));
    const { topic, overview, facets } = parsed.data;
    if (name !== `${topic}.json`) throw new FacetDataError(`${file}: holds topic "${topic}" but the file must be named ${topic}.json`);
    const expected: readonly string[] = FACETS[topic];
    const names = Object.keys(facets);
    const missing = expected.filter((f) => !names.includes(f));
    const unknown = names.filter((f) => !expected.includes(f));
    if (missing.length || unknown.length) {
      throw new FacetDataError(`${file}: facets must be ${expected.join(', ')}${missing.length ? `; missing ${missing.join(', ')}` : ''}${unknown.length ? `; unknown ${unknown.join(', ')}` : ''}`);
    }
    seen.add(topic);
    for (const text of overview) examples.push({ topic, facet: OVERVIEW, text });
    for (const [facet, texts] of Object.entries(facets)) for (const text of texts) examples.push({ topic, facet, text });
  }
  const absent = FACET_TOPICS.filter((t) => !seen.has(t));
  if (absent.length) throw new FacetDataError(`${dir}: no facet examples for ${absent.join(', ')}`);
  return examples;
}

interface TopicModel {
  labels: string[];
  model: SoftmaxRegression;
  scores: Float64Array<ArrayBuffer>;
}

export interface FacetGuess {
  /** Best label given that the message is about the topic: a facet, or OVERVIEW. */
  facet: string;
  /** Its probability given that the message is about the topic. */
  score: number;
  /** Probability that the message is about another topic altogether. */
  otherTopic: number;
  /** Share of the message's features the examples have seen. */
  coverage: number;
}

const TRAINING = { epochs: 6, learningRate: 0.5, l2: 1e-4, seed: 11 };

export class FacetModel {
  // The classifier's concepts (주말 = 토요일 = weekend): the words a facet is about, whatever form they take.
  private readonly extractor = new FeatureExtractor({ lexicon: projectConceptLexicon() });
  private readonly vectorizer = new Vectorizer();
  private readonly topics = new Map<FacetTopic, TopicModel>();
  /** The last message's vector (the vectorizer reuses its arrays, so it is good until the next transform). */
  private lastWords: string | undefined;
  private lastVector: SparseVector | undefined;

  constructor(examples: FacetExample[] = loadFacetExamples()) {
    // Every topic's model reads every example (its own facets, or "another topic"), so one vocabulary serves all.
    const vectors = this.vectorizer.fitTransform(examples.map((e) => this.extractor.extract(e.text)));
    for (const topic of FACET_TOPICS) {
      const labels = [OVERVIEW, OTHER_TOPIC, ...FACETS[topic]];
      const rows: number[] = [];
      const targets: number[] = [];
      examples.forEach((e, i) => {
        // A facet two topics share (a channel: its wait, or how to reach it) learns from both topics' examples.
        const label = e.topic === topic ? e.facet : sharesFacets(topic, e.topic) ? (e.facet !== OVERVIEW && labels.includes(e.facet) ? e.facet : undefined) : OTHER_TOPIC;
        if (label === undefined) return;
        rows.push(i);
        targets.push(labels.indexOf(label));
      });
      const model = new SoftmaxRegression(this.vectorizer.size, labels.length);
      model.train(
        rows.map((i) => vectors[i]),
        targets,
        TRAINING,
      );
      this.topics.set(topic, { labels, model, scores: new Float64Array(labels.length) });
    }
  }

  guess(topic: FacetTopic, text: string | MessageText): FacetGuess | undefined {
    const entry = this.topics.get(topic);
    if (!entry) return undefined;
    const message = typeof text === 'string' ? readMessage(text) : text;
    // One vocabulary for every topic: a message asked about under several topics is extracted once.
    if (message.words !== this.lastWords) {
      this.lastVector = this.vectorizer.transform(message, this.extractor);
      this.lastWords = message.words;
    }
    const x = this.lastVector!;
    if (x.length === 0) return undefined;
    const scores = softmaxInPlace(entry.model.logits(x, entry.scores));
    const other = scores[1];
    let best = 0;
    for (let j = 2; j < scores.length; j++) if (scores[j] > scores[best]) best = j;
    return { facet: entry.labels[best], score: scores[best] / Math.max(1e-9, 1 - other), otherTopic: other, coverage: x.coverage };
  }
}

/** Topics whose facets are the same things (the contact channels). */
function sharesFacets(a: FacetTopic, b: FacetTopic): boolean {
  const channels = new Set<FacetTopic>(['contact_channels', 'wait_time']);
  return channels.has(a) && channels.has(b);
}

let projectModel: FacetModel | undefined;

/** The model for intents/facets, trained once per process (every reader shares it). */
export function projectFacetModel(): FacetModel {
  projectModel ??= new FacetModel();
  return projectModel;
}
