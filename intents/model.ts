// A sparse TF-IDF vectoriser and a multinomial logistic regression trained on it.
//
// natural's own classifiers build a dense vector over the whole vocabulary for every message, which
// costs milliseconds per message at the vocabulary Korean character n-grams produce. Here a message
// touches only its own features, so classifying stays in the microseconds.
import { DEFAULT_COVERAGE_WEIGHTS, DEFAULT_GROUP_WEIGHTS, FEATURE_GROUPS, type FeatureCounts, type GroupWeights } from './features';

export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
  /** Share of the message's features that the training data has seen, in [0, 1] (weighted by group). */
  coverage: number;
}

const GROUPS = FEATURE_GROUPS;
const GROUP_INDEX = new Map(GROUPS.map((g, i) => [g.charCodeAt(0), i]));

/** Group of a feature key ("c:삭제" → c); every group name is one letter. */
function groupIndex(key: string): number {
  return GROUP_INDEX.get(key.charCodeAt(0)) ?? 0;
}

export class Vectorizer {
  private readonly index = new Map<string, number>();
  private idf = new Float32Array(0);
  private groupOf = new Uint8Array(0);
  private readonly groupWeights: Float64Array;
  private readonly coverageWeights: Float64Array;

  /**
   * `coverageWeights` says how much a feature of each group counts towards coverage: a concept the
   * lexicon recognised says more about whether a message is in the domain than one character n-gram.
   */
  constructor(weights: Partial<GroupWeights> = {}, coverageWeights: Partial<GroupWeights> = {}) {
    this.groupWeights = Float64Array.from(GROUPS, (g) => weights[g] ?? DEFAULT_GROUP_WEIGHTS[g]);
    this.coverageWeights = Float64Array.from(GROUPS, (g) => coverageWeights[g] ?? DEFAULT_COVERAGE_WEIGHTS[g]);
  }

  get size(): number {
    return this.index.size;
  }

  snapshot(): VectorizerSnapshot {
    return { vocabulary: [...this.index.keys()], idf: toBase64(this.idf), groupOf: toBase64(this.groupOf) };
  }

  /** Restores a vocabulary learnt earlier (see modelCache.ts); weights come from the constructor's options. */
  restore(snapshot: VectorizerSnapshot): void {
    this.index.clear();
    snapshot.vocabulary.forEach((key, i) => this.index.set(key, i));
    this.idf = new Float32Array(fromBase64(snapshot.idf).buffer);
    this.groupOf = new Uint8Array(fromBase64(snapshot.groupOf));
    if (this.idf.length !== this.index.size || this.groupOf.length !== this.index.size) throw new Error('model snapshot: vocabulary does not match its weights');
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
        let i = this.index.get(key);
        if (i === undefined) {
          i = this.index.size;
          this.index.set(key, i);
          documentFrequency.push(0);
          groups.push(groupIndex(key));
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
    return rows.map(({ indices, counts }) => this.weigh(indices, counts, indices.length, 1));
  }

  /** A message's vector over the learnt vocabulary; features never seen in training are left out. */
  transform(features: FeatureCounts): SparseVector {
    const indices = new Int32Array(features.size);
    const counts = new Float32Array(features.size);
    let known = 0;
    let seenWeight = 0;
    let totalWeight = 0;
    for (const [key, count] of features) {
      const i = this.index.get(key);
      const weight = this.coverageWeights[groupIndex(key)];
      totalWeight += weight;
      if (i === undefined) continue;
      seenWeight += weight;
      indices[known] = i;
      counts[known++] = count;
    }
    return this.weigh(indices, counts, known, totalWeight === 0 ? 0 : seenWeight / totalWeight);
  }

  /** Sublinear TF × IDF, each feature group scaled to its weight, then the whole vector to unit length. */
  private weigh(indices: Int32Array, counts: Float32Array, known: number, coverage: number): SparseVector {
    const values = new Float32Array(known);
    const groupNorms = new Float64Array(GROUPS.length);
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
    return { indices: indices.subarray(0, known), values, coverage };
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
function mulberry32(seed: number): () => number {
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
    const { indices, values } = x;
    for (let k = 0; k < indices.length; k++) {
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
  const { indices, values } = x;
  for (let k = 0; k < indices.length; k++) {
    const row = indices[k] * c;
    const v = values[k];
    for (let j = 0; j < c; j++) out[j] += weights[row + j] * v;
  }
  return out;
}

function shuffleInPlace(order: number[], random: () => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}

export function softmaxInPlace(z: Float64Array, temperature = 1): Float64Array {
  let max = -Infinity;
  for (const v of z) if (v > max) max = v;
  let sum = 0;
  for (let j = 0; j < z.length; j++) {
    z[j] = Math.exp((z[j] - max) / temperature);
    sum += z[j];
  }
  for (let j = 0; j < z.length; j++) z[j] /= sum;
  return z;
}
