// A sparse TF-IDF vectoriser and a multinomial logistic regression trained on it.
//
// natural's own classifiers build a dense vector over the whole vocabulary for every message, which
// costs milliseconds per message at the vocabulary Korean character n-grams produce. Here a message
// touches only its own features, so classifying stays in the microseconds.
import {
  DEFAULT_COVERAGE_WEIGHTS,
  DEFAULT_GROUP_WEIGHTS,
  FEATURE_GROUPS,
  type FeatureCounts,
  type FeatureExtractor,
  type FeatureGroup,
  type FeatureSink,
  type GroupWeights,
  type MessageText,
} from './features';

export interface SparseVector {
  /** Vocabulary indices; only the first `length` entries belong to the vector. */
  indices: Int32Array;
  /** Weights, one per index; only the first `length` entries belong to the vector. */
  values: Float32Array;
  /** Entries in use: a classified message's vector lives in buffers reused for the next one. */
  length: number;
  /** Share of the message's features that the training data has seen, in [0, 1] (weighted by group). */
  coverage: number;
}

const GROUPS = FEATURE_GROUPS;
const GROUP_INDEX = new Map(GROUPS.map((g, i) => [g.charCodeAt(0), i]));
const GROUP_NUMBER = Object.fromEntries(GROUPS.map((g, i) => [g, i])) as Record<FeatureGroup, number>;

/** Group of a feature key ("c:삭제" → c); every group name is one letter. */
function groupIndex(key: string): number {
  return GROUP_INDEX.get(key.charCodeAt(0)) ?? 0;
}

/** A feature key without its group ("c:삭제" → 삭제). */
function featureText(key: string): string {
  return key.slice(2);
}

export class Vectorizer {
  /**
   * Vocabulary index of each feature, one map per group keyed by the feature's text without its
   * group: at classification features arrive as (group, text), and no "<group>:<text>" key is built.
   */
  private readonly vocabulary: Map<string, number>[] = GROUPS.map(() => new Map());
  private vocabularySize = 0;
  private idf = new Float32Array(0);
  private groupOf = new Uint8Array(0);
  private readonly groupWeights: Float64Array;
  private readonly coverageWeights: Float64Array;
  /** Scratch for `weigh`. */
  private readonly groupNorms = new Float64Array(GROUPS.length);
  /** Collects a classified message's features; made once the vocabulary is known. */
  private builder: VectorBuilder | undefined;

  /**
   * `coverageWeights` says how much a feature of each group counts towards coverage: a concept the
   * lexicon recognised says more about whether a message is in the domain than one character n-gram.
   */
  constructor(weights: Partial<GroupWeights> = {}, coverageWeights: Partial<GroupWeights> = {}) {
    this.groupWeights = Float64Array.from(GROUPS, (g) => weights[g] ?? DEFAULT_GROUP_WEIGHTS[g]);
    this.coverageWeights = Float64Array.from(GROUPS, (g) => coverageWeights[g] ?? DEFAULT_COVERAGE_WEIGHTS[g]);
  }

  get size(): number {
    return this.vocabularySize;
  }

  snapshot(): VectorizerSnapshot {
    const vocabulary = new Array<string>(this.vocabularySize);
    this.vocabulary.forEach((features, g) => {
      for (const [text, i] of features) vocabulary[i] = `${GROUPS[g]}:${text}`;
    });
    return { vocabulary, idf: toBase64(this.idf), groupOf: toBase64(this.groupOf) };
  }

  /** Restores a vocabulary learnt earlier (see modelCache.ts); weights come from the constructor's options. */
  restore(snapshot: VectorizerSnapshot): void {
    for (const features of this.vocabulary) features.clear();
    snapshot.vocabulary.forEach((key, i) => this.vocabulary[groupIndex(key)].set(featureText(key), i));
    this.vocabularySize = this.vocabulary.reduce((n, features) => n + features.size, 0);
    this.idf = new Float32Array(fromBase64(snapshot.idf).buffer);
    this.groupOf = new Uint8Array(fromBase64(snapshot.groupOf));
    if (this.idf.length !== this.size || this.groupOf.length !== this.size) throw new Error('model snapshot: vocabulary does not match its weights');
    this.builder = undefined;
  }

  /**
   * Learns the vocabulary and IDF from the training documents and returns their vectors, reading each
   * document's keys once (the vocabulary look-up is most of the cost at start-up).
   */
  fitTransform(documents: FeatureCounts[]): SparseVector[] {
    const documentFrequency: number[] = [];
    const groups: number[] = [];
    const rows = documents.map((doc) => {
      const indices = new Int32Array(doc.size);
      const counts = new Float32Array(doc.size);
      let k = 0;
      for (const [key, count] of doc) {
        const group = groupIndex(key);
        const text = featureText(key);
        let i = this.vocabulary[group].get(text);
        if (i === undefined) {
          i = this.vocabularySize++;
          this.vocabulary[group].set(text, i);
          documentFrequency.push(0);
          groups.push(group);
        }
        documentFrequency[i]++;
        indices[k] = i;
        counts[k++] = count;
      }
      return { indices, counts };
    });
    const n = documents.length;
    this.idf = Float32Array.from(documentFrequency, (df) => Math.log((1 + n) / (1 + df)) + 1);
    this.groupOf = Uint8Array.from(groups);
    this.builder = undefined;
    return rows.map(({ indices, counts }) => {
      const values = new Float32Array(indices.length);
      this.weigh(indices, counts, indices.length, values);
      return { indices, values, length: indices.length, coverage: 1 };
    });
  }

  /**
   * A message's vector over the learnt vocabulary, features never seen in training left out. Its
   * arrays are reused by the next call, so the vector is only good until then.
   */
  transform(message: MessageText, extractor: FeatureExtractor): SparseVector {
    this.builder ??= new VectorBuilder(this.vocabulary, this.vocabularySize, this.coverageWeights);
    const builder = this.builder;
    builder.reset();
    extractor.extractInto(message, builder);
    const { indices, counts, values, length } = builder.entries();
    this.weigh(indices, counts, length, values);
    return { indices, values, length, coverage: builder.coverage };
  }

  /** Sublinear TF × IDF into `values`, each feature group scaled to its weight, then the whole vector to unit length. */
  private weigh(indices: Int32Array, counts: Float32Array, known: number, values: Float32Array): void {
    const groupNorms = this.groupNorms.fill(0);
    for (let k = 0; k < known; k++) {
      const i = indices[k];
      values[k] = (counts[k] === 1 ? 1 : 1 + Math.log(counts[k])) * this.idf[i];
      groupNorms[this.groupOf[i]] += values[k] * values[k];
    }
    for (let g = 0; g < groupNorms.length; g++) groupNorms[g] = groupNorms[g] > 0 ? this.groupWeights[g] / Math.sqrt(groupNorms[g]) : 0;
    let total = 0;
    for (let k = 0; k < known; k++) {
      values[k] *= groupNorms[this.groupOf[indices[k]]];
      total += values[k] * values[k];
    }
    const scale = total > 0 ? 1 / Math.sqrt(total) : 0;
    for (let k = 0; k < known; k++) values[k] *= scale;
  }
}

/**
 * Takes one message's features from the extractor (see FeatureSink) and keeps the vocabulary index and
 * count of each known one, in the order they first appear, in buffers reused from message to message.
 */
class VectorBuilder implements FeatureSink {
  private indices = new Int32Array(256);
  private counts = new Float32Array(256);
  private values = new Float32Array(256);
  private known = 0;
  /** Where each vocabulary feature sits in `indices` during a message; -1 when it has not appeared. */
  private readonly slot: Int32Array;
  /** Unknown features of this message ("<group><text>"): each counts once against coverage. */
  private unknown: Set<string> | undefined;
  private seenWeight = 0;
  private totalWeight = 0;

  constructor(
    private readonly vocabulary: Map<string, number>[],
    vocabularySize: number,
    private readonly coverageWeights: Float64Array,
  ) {
    this.slot = new Int32Array(vocabularySize).fill(-1);
  }

  get size(): number {
    return this.known + (this.unknown?.size ?? 0);
  }

  /** Share of the message's features seen in training, weighted by group. */
  get coverage(): number {
    return this.totalWeight === 0 ? 0 : this.seenWeight / this.totalWeight;
  }

  reset(): void {
    for (let k = 0; k < this.known; k++) this.slot[this.indices[k]] = -1;
    this.known = 0;
    this.unknown = undefined;
    this.seenWeight = 0;
    this.totalWeight = 0;
  }

  add(group: FeatureGroup, text: string): void {
    const g = GROUP_NUMBER[group];
    const weight = this.coverageWeights[g];
    const i = this.vocabulary[g].get(text);
    if (i === undefined) {
      this.unknown ??= new Set();
      const key = group + text;
      if (!this.unknown.has(key)) {
        this.unknown.add(key);
        this.totalWeight += weight;
      }
      return;
    }
    const at = this.slot[i];
    if (at >= 0) {
      this.counts[at]++;
      return;
    }
    if (this.known === this.indices.length) this.grow();
    this.slot[i] = this.known;
    this.indices[this.known] = i;
    this.counts[this.known++] = 1;
    this.seenWeight += weight;
    this.totalWeight += weight;
  }

  /** The known features so far, and a buffer as long for their weights. */
  entries(): { indices: Int32Array; counts: Float32Array; values: Float32Array; length: number } {
    return { indices: this.indices, counts: this.counts, values: this.values, length: this.known };
  }

  private grow(): void {
    const capacity = this.indices.length * 2;
    const indices = new Int32Array(capacity);
    const counts = new Float32Array(capacity);
    indices.set(this.indices);
    counts.set(this.counts);
    this.indices = indices;
    this.counts = counts;
    this.values = new Float32Array(capacity);
  }
}

export interface TrainingOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
}

// AdaGrad has converged after four passes: cross-validated accuracy is flat from 4 to 20 epochs, and
// training runs at every start-up.
export const DEFAULT_TRAINING: TrainingOptions = { epochs: 4, learningRate: 0.5, l2: 1e-5, seed: 7 };

/** Below this gradient (a class's probability, for a wrong class) a training step is skipped. */
const SKIP_GRADIENT = 1e-3;

/** Deterministic PRNG, so the same data always trains the same model. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface VectorizerSnapshot {
  vocabulary: string[];
  idf: string;
  groupOf: string;
}

export interface SoftmaxSnapshot {
  weights: string;
  bias: string;
}

function toBase64(array: ArrayBufferView): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

/** A copy aligned for any typed array (Buffer.from(base64) may share an unaligned pool). */
function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const bytes = Buffer.from(text, 'base64');
  const copy = new Uint8Array(new ArrayBuffer(bytes.length));
  copy.set(bytes);
  return copy;
}

export class SoftmaxRegression {
  /** Row-major [feature][class], so a sparse message reads contiguous memory. */
  private readonly weights: Float32Array;
  private readonly bias: Float64Array;

  constructor(
    featureCount: number,
    private readonly classCount: number,
  ) {
    this.weights = new Float32Array(featureCount * classCount);
    this.bias = new Float64Array(classCount);
  }

  logits(x: SparseVector, out = new Float64Array(this.classCount)): Float64Array {
    return logitsOf(this.weights, this.bias, this.classCount, x, out);
  }

  /** Trains with AdaGrad on shuffled examples; labels are class indices. */
  train(examples: SparseVector[], labels: number[], options: TrainingOptions = DEFAULT_TRAINING, classWeights?: ArrayLike<number>): void {
    const state = new AdaGrad(this.weights, this.bias, this.classCount, options);
    const random = mulberry32(options.seed);
    const order = examples.map((_, i) => i);
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      shuffleInPlace(order, random);
      for (const e of order) state.step(examples[e], labels[e], classWeights ? classWeights[labels[e]] : 1);
    }
    this.weights.set(state.weights);
  }

  get memoryBytes(): number {
    return this.weights.byteLength + this.bias.byteLength;
  }

  snapshot(): SoftmaxSnapshot {
    return { weights: toBase64(this.weights), bias: toBase64(this.bias) };
  }

  restore(snapshot: SoftmaxSnapshot): void {
    const weights = new Float32Array(fromBase64(snapshot.weights).buffer);
    const bias = new Float64Array(fromBase64(snapshot.bias).buffer);
    if (weights.length !== this.weights.length || bias.length !== this.bias.length) throw new Error('model snapshot: weights do not match the vocabulary');
    this.weights.set(weights);
    this.bias.set(bias);
  }
}

/**
 * AdaGrad over the softmax loss. Training runs at every start-up, so it works on float64 copies (no
 * float32 rounding per update) and skips the classes an example no longer moves.
 */
class AdaGrad {
  readonly weights: Float64Array;
  private readonly gradSq: Float64Array;
  private readonly biasGradSq: Float64Array;
  private readonly z: Float64Array;
  private readonly active: Int32Array;

  constructor(
    weights: Float32Array,
    private readonly bias: Float64Array,
    private readonly c: number,
    private readonly options: TrainingOptions,
  ) {
    this.weights = Float64Array.from(weights);
    this.gradSq = new Float64Array(weights.length).fill(1e-8);
    this.biasGradSq = new Float64Array(c).fill(1e-8);
    this.z = new Float64Array(c);
    this.active = new Int32Array(c);
  }

  step(x: SparseVector, label: number, weight: number): void {
    const { c, z, bias, biasGradSq } = this;
    const { learningRate } = this.options;
    softmaxInPlace(logitsOf(this.weights, bias, c, x, z));
    z[label] -= 1; // z now holds the gradient of the loss with respect to the logits
    let active = 0;
    for (let j = 0; j < c; j++) {
      z[j] *= weight;
      biasGradSq[j] += z[j] * z[j];
      bias[j] -= (learningRate * z[j]) / Math.sqrt(biasGradSq[j]);
      // A class the model already rules out for this example (probability near 0) would get a
      // vanishing step: skipping it halves the work of a start-up without changing the model.
      if (Math.abs(z[j]) >= SKIP_GRADIENT) this.active[active++] = j;
    }
    this.updateRows(x, active);
  }

  private updateRows(x: SparseVector, active: number): void {
    const { c, z, weights, gradSq } = this;
    const { learningRate, l2 } = this.options;
    const { indices, values, length } = x;
    for (let k = 0; k < length; k++) {
      const row = indices[k] * c;
      const v = values[k];
      for (let a = 0; a < active; a++) {
        const w = row + this.active[a];
        const g = z[this.active[a]] * v + l2 * weights[w];
        const sq = (gradSq[w] += g * g);
        weights[w] -= (learningRate * g) / Math.sqrt(sq);
      }
    }
  }
}

function logitsOf(weights: ArrayLike<number>, bias: Float64Array, c: number, x: SparseVector, out: Float64Array): Float64Array {
  out.set(bias);
  const { indices, values, length } = x;
  for (let k = 0; k < length; k++) {
    const row = indices[k] * c;
    const v = values[k];
    for (let j = 0; j < c; j++) out[j] += weights[row + j] * v;
  }
  return out;
}

/** Fisher–Yates with the given PRNG. */
export function shuffleInPlace<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
}

export function softmaxInPlace(z: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of z) if (v > max) max = v;
  let sum = 0;
  for (let j = 0; j < z.length; j++) {
    z[j] = Math.exp(z[j] - max);
    sum += z[j];
  }
  for (let j = 0; j < z.length; j++) z[j] /= sum;
  return z;
}
