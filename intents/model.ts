// A sparse TF-IDF vectoriser and a multinomial logistic regression trained on it.
//
// natural's own classifiers build a dense vector over the whole vocabulary for every message, which
// costs milliseconds per message at the vocabulary Korean character n-grams produce. Here a message
// touches only its own features, so classifying stays in the microseconds.
import { type FeatureCounts, type FeatureGroup, GROUP_WEIGHTS } from './features';

export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
  /** Share of the message's features that the training data has seen, in [0, 1]. */
  coverage: number;
}

const GROUPS = Object.keys(GROUP_WEIGHTS) as FeatureGroup[];

export class Vectorizer {
  private readonly index = new Map<string, number>();
  private idf = new Float32Array(0);
  private groupOf = new Uint8Array(0);

  get size(): number {
    return this.index.size;
  }

  fit(documents: FeatureCounts[]): void {
    const documentFrequency: number[] = [];
    const groups: number[] = [];
    for (const doc of documents) {
      for (const key of doc.keys()) {
        let i = this.index.get(key);
        if (i === undefined) {
          i = this.index.size;
          this.index.set(key, i);
          documentFrequency.push(0);
          groups.push(GROUPS.indexOf(key.slice(0, key.indexOf(':')) as FeatureGroup));
        }
        documentFrequency[i]++;
      }
    }
    const n = documents.length;
    this.idf = Float32Array.from(documentFrequency, (df) => Math.log((1 + n) / (1 + df)) + 1);
    this.groupOf = Uint8Array.from(groups);
  }

  /** Sublinear TF × IDF, each feature group scaled to its weight, then the whole vector to unit length. */
  transform(features: FeatureCounts): SparseVector {
    const indices: number[] = [];
    const values: number[] = [];
    const groupNorms = new Float64Array(GROUPS.length);
    let known = 0;
    for (const [key, count] of features) {
      const i = this.index.get(key);
      if (i === undefined) continue;
      known++;
      const value = (1 + Math.log(count)) * this.idf[i];
      indices.push(i);
      values.push(value);
      groupNorms[this.groupOf[i]] += value * value;
    }
    let total = 0;
    for (let k = 0; k < values.length; k++) {
      const g = this.groupOf[indices[k]];
      values[k] *= GROUP_WEIGHTS[GROUPS[g]] / Math.sqrt(groupNorms[g]);
      total += values[k] * values[k];
    }
    const scale = total > 0 ? 1 / Math.sqrt(total) : 0;
    return {
      indices: Int32Array.from(indices),
      values: Float32Array.from(values, (v) => v * scale),
      coverage: features.size === 0 ? 0 : known / features.size,
    };
  }
}

export interface TrainingOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
}

export const DEFAULT_TRAINING: TrainingOptions = { epochs: 20, learningRate: 0.4, l2: 1e-5, seed: 7 };

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

export class SoftmaxRegression {
  /** Row-major [feature][class], so a sparse message reads contiguous memory. */
  private readonly weights: Float32Array;
  private readonly bias: Float64Array;

  constructor(
    private readonly featureCount: number,
    private readonly classCount: number,
  ) {
    this.weights = new Float32Array(featureCount * classCount);
    this.bias = new Float64Array(classCount);
  }

  logits(x: SparseVector, out = new Float64Array(this.classCount)): Float64Array {
    const c = this.classCount;
    out.set(this.bias);
    for (let k = 0; k < x.indices.length; k++) {
      const row = x.indices[k] * c;
      const v = x.values[k];
      for (let j = 0; j < c; j++) out[j] += this.weights[row + j] * v;
    }
    return out;
  }

  /** Trains with AdaGrad on shuffled examples; labels are class indices. */
  train(examples: SparseVector[], labels: number[], options: TrainingOptions = DEFAULT_TRAINING, classWeights?: ArrayLike<number>): void {
    const c = this.classCount;
    const gradSq = new Float32Array(this.featureCount * c).fill(1e-8);
    const biasGradSq = new Float64Array(c).fill(1e-8);
    const random = mulberry32(options.seed);
    const order = examples.map((_, i) => i);
    const z = new Float64Array(c);
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (const e of order) {
        const x = examples[e];
        softmaxInPlace(this.logits(x, z));
        z[labels[e]] -= 1; // z now holds the gradient of the loss with respect to the logits
        const weight = classWeights ? classWeights[labels[e]] : 1;
        if (weight !== 1) for (let j = 0; j < c; j++) z[j] *= weight;
        for (let j = 0; j < c; j++) {
          biasGradSq[j] += z[j] * z[j];
          this.bias[j] -= (options.learningRate * z[j]) / Math.sqrt(biasGradSq[j]);
        }
        for (let k = 0; k < x.indices.length; k++) {
          const row = x.indices[k] * c;
          const v = x.values[k];
          for (let j = 0; j < c; j++) {
            const g = z[j] * v + options.l2 * this.weights[row + j];
            gradSq[row + j] += g * g;
            this.weights[row + j] -= (options.learningRate * g) / Math.sqrt(gradSq[row + j]);
          }
        }
      }
    }
  }

  get memoryBytes(): number {
    return this.weights.byteLength + this.bias.byteLength;
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
