// NLU figures: how long the classifier takes to become ready at start-up, how long one message takes
// (read as the bot reads it: classified, with the previous topic as context, split into questions,
// facets, named topics and acts), and how much memory it holds.
import { memoryUsage } from 'node:process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { IntentClassifier } from '../intents/classifier';
import { isIntent } from '../intents/intentIds';
import { MessageReader, type TopicContext } from '../intents/reading';
import { type LabelledText, heldOut, training, variations } from './corpus';
import { type Summary, summarize } from './stats';

export interface NluResult {
  /** What bot/app.ts does at start-up to get a classifier (train, or load a cached model). */
  readyMs: number;
  /** The same, a second time in the same process (JIT warm, files cached). */
  readyWarmMs: number;
  featureCount: number;
  /** The classifier's own account of its model arrays. */
  modelBytes: number;
  /** Retained JS heap + array buffers after a full GC, with vs without the classifier. */
  heapDeltaBytes: number;
  messages: { total: number; ko: number; en: number };
  latencyMs: Summary;
  latencyKoMs: Summary;
  latencyEnMs: Summary;
  /**
   * Each message's fastest of three passes: what the classifier itself costs, without the moments the
   * process was not on a CPU (other processes on a busy machine) or paused for GC.
   */
  bestOfThreeMs: Summary;
}

function gcFunction(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function retainedBytes(gc: () => void): number {
  gc();
  gc();
  const m = memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Start-up's way of getting the classifier; keep in step with bot/app.ts. */
export function loadClassifier(): IntentClassifier {
  return IntentClassifier.fromProjectData();
}

export function measureNlu(minimumMessages = 12000): NluResult {
  const gc = gcFunction();
  // Ready time first, before anything else has warmed up the code paths.
  const before = retainedBytes(gc);
  let started = performance.now();
  let classifier: IntentClassifier | undefined = loadClassifier();
  const readyMs = performance.now() - started;
  const heapDeltaBytes = retainedBytes(gc) - before;
  const featureCount = classifier.featureCount;
  const modelBytes = classifier.memoryBytes;
  classifier = undefined;
  started = performance.now();
  const warm = loadClassifier();
  const readyWarmMs = performance.now() - started;

  const messages: LabelledText[] = variations([...training(), ...heldOut()], minimumMessages);
  const reader = new MessageReader(warm);
  // Each message is read with the one before it as the conversation's topic, as in a chat.
  const contexts: (TopicContext | undefined)[] = messages.map((_, n) => {
    const previous = messages[(n + messages.length - 1) % messages.length].intent;
    return isIntent(previous) && previous !== 'none' ? { topic: previous } : undefined;
  });
  // Warm up the JIT on a slice, then time every message once, in an order that mixes languages.
  for (let i = 0; i < 2000; i++) reader.read(messages[(i * 7919) % messages.length].text, contexts[(i * 7919) % messages.length]);
  const all = new Float64Array(messages.length);
  const best = new Float64Array(messages.length).fill(Infinity);
  const ko: number[] = [];
  const en: number[] = [];
  const stride = messages.length % 7919 === 0 ? 1 : 7919; // a prime stride visits every index once
  for (let pass = 0; pass < 3; pass++) {
    for (let n = 0; n < messages.length; n++) {
      const index = (n * stride) % messages.length;
      const m = messages[index];
      const t0 = process.hrtime.bigint();
      reader.read(m.text, contexts[index]);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (ms < best[n]) best[n] = ms;
      if (pass > 0) continue;
      all[n] = ms;
      (m.lang === 'ko' ? ko : en).push(ms);
    }
  }
  return {
    readyMs,
    readyWarmMs,
    featureCount,
    modelBytes,
    heapDeltaBytes,
    messages: { total: messages.length, ko: ko.length, en: en.length },
    latencyMs: summarize(all),
    latencyKoMs: summarize(ko),
    latencyEnMs: summarize(en),
    bestOfThreeMs: summarize(best),
  };
}
