// Folds the SQLite write-ahead log back into the database file, mostly from a worker thread. By default
// SQLite does it all inside whichever commit pushes the WAL past 1,000 pages, on the event loop: that
// commit copies the pages and syncs both files, which in the benchmark was about a third of the CPU spent
// writing state and transcripts, and the turn that drew it stood out in the latency tail.
//
// The worker runs a PASSIVE checkpoint (it never blocks writers) on its own connection each time the job
// tells it to (every 100 ms),
// copying nearly every frame. Under constant writes that checkpoint never quite catches up with the end
// of the log, so SQLite cannot start the log over; the bot's own connection therefore keeps an automatic
// checkpoint at a higher threshold, which finds almost everything already copied, finishes the last few
// frames and lets the next commit restart the log. Durability is unchanged: a commit is in the WAL before
// it returns, checkpointed or not.
import { Worker } from 'node:worker_threads';
import type { Job } from '../../coordination';
import type { Database } from './database';

export interface CheckpointerOptions {
  /** How often the job asks the worker to checkpoint. */
  intervalMs?: number;
  /** WAL pages after which the bot's own connection checkpoints (SQLite's default is 1,000). */
  fallbackPages?: number;
  onError?: (error: Error) => void;
}

export interface Checkpointer {
  /** Asks the worker for a checkpoint now and then (bot/app.ts adds it to the jobs). */
  job: Job;
  /** Stops the worker after a last checkpoint; resolves when it has exited. */
  stop(): Promise<void>;
}

// Plain CommonJS run by the worker (an inline script, so the same code works from dist/ and under
// ts-jest). It resolves better-sqlite3 from the path the bot itself loaded.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
};
parentPort.on('message', (message) => {
  checkpoint();
  if (message !== 'stop') return;
  db.close();
  parentPort.close();
});
`;

export function startCheckpointer(db: Database, options: CheckpointerOptions = {}): Checkpointer {
  const everyMs = options.intervalMs ?? 100;
  if (db.memory) return { job: { name: 'wal-checkpoint', everyMs, run: () => undefined }, stop: async () => undefined };
  db.pragma(`wal_autocheckpoint = ${options.fallbackPages ?? 4000}`);
  // After a restart the log file is cut back to this size rather than keeping its largest size on disk.
  db.pragma(`journal_size_limit = ${16 * 1024 * 1024}`);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file: db.name, driver: require.resolve('better-sqlite3') },
  });
  // The worker must never keep the process alive on its own (e.g. a test that forgets to close the app).
  worker.unref();
  worker.on('message', (message: { error?: string }) => {
    if (message.error) options.onError?.(new Error(`WAL checkpoint failed: ${message.error}`));
  });
  worker.on('error', (error) => options.onError?.(error));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let stopping: Promise<void> | undefined;
  return {
    job: {
      name: 'wal-checkpoint',
      everyMs,
      run: () => {
        if (!stopping) worker.postMessage('checkpoint');
      },
    },
    stop() {
      stopping ??= (async () => {
        worker.postMessage('stop');
        const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
        await Promise.race([exited, timeout]);
        await worker.terminate();
      })();
      return stopping;
    },
  };
}
