// Periodic jobs on timers of this process. The timers never keep the process alive on their own.
import type { Logger } from '../../logger';
import type { Job, Jobs } from '../ports';

export class TimerJobs implements Jobs {
  private readonly jobs: Job[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Map<Job, Promise<void>>();
  private started = false;

  constructor(private readonly logger: Pick<Logger, 'error'>) {}

  add(job: Job): void {
    this.jobs.push(job);
    if (this.started) this.schedule(job);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const job of this.jobs) this.schedule(job);
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await Promise.all(this.running.values());
  }

  private schedule(job: Job): void {
    if (job.atStart) this.runOnce(job);
    const timer = setInterval(() => this.runOnce(job), job.everyMs);
    timer.unref();
    this.timers.push(timer);
  }

  /** A run still under way when the timer fires again is left to finish: that tick is skipped. */
  private runOnce(job: Job): void {
    if (this.running.has(job)) return;
    const fail = (error: unknown) => this.logger.error({ err: (error as Error)?.message ?? String(error), job: job.name }, 'job failed');
    let result: unknown;
    try {
      result = job.run();
    } catch (error) {
      return fail(error);
    }
    if (!(result instanceof Promise)) return;
    const run = result.then(() => undefined, fail).finally(() => this.running.delete(job));
    this.running.set(job, run);
  }
}
