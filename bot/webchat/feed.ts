// The activity lists of all web chat conversations, with waiting: a client asking for activities past
// its watermark is held (long polling) until something arrives, so replies show at once without the
// page polling fast. An append is told on the event fan-out, so a poll held by another instance wakes too.
import type { EventBus, Topic } from '../coordination';
import type { StoredActivity, WebChatRepo } from '../storage/ports';

/** A burst of replies (text, then buttons) is sent in one response rather than one per poll. */
const COALESCE_MS = 40;

export class ActivityFeed {
  private readonly waiters = new Map<string, Set<() => void>>();
  private lastTimestamp = 0;
  private closed = false;
  private readonly appended: Topic<{ conversationId: string }>;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: Pick<WebChatRepo, 'append' | 'activitiesAfter'>,
    private readonly now: () => Date,
    events: EventBus,
  ) {
    this.appended = events.topic('webchat-appended');
    this.unsubscribe = this.appended.subscribe(({ conversationId }) => this.wake(conversationId));
  }

  /** Appends and wakes the conversation's waiting pollers. Undefined when the conversation is unknown or ended. */
  async append(conversationId: string, activity: Record<string, unknown>): Promise<StoredActivity | undefined> {
    const stored = await this.store.append(conversationId, activity, this.nextTimestamp());
    // A lost wake-up costs a poll its wait (it answers empty and asks again), never an activity.
    if (stored) this.appended.publish({ conversationId }).catch(() => undefined);
    return stored;
  }

  /**
   * Activities after `watermark`; when there are none yet, waits up to `waitMs` (or until `abort`
   * fires) for the first to arrive.
   */
  async after(conversationId: string, watermark: number, waitMs: number, abort?: AbortSignal): Promise<StoredActivity[]> {
    const ready = await this.store.activitiesAfter(conversationId, watermark);
    if (ready.length > 0 || waitMs <= 0 || this.closed || abort?.aborted) return ready;
    const woken = await new Promise<boolean>((resolve) => {
      const set = this.waiters.get(conversationId) ?? new Set();
      this.waiters.set(conversationId, set);
      const done = (value: boolean) => {
        clearTimeout(timer);
        abort?.removeEventListener('abort', onAbort);
        set.delete(wake);
        if (set.size === 0 && this.waiters.get(conversationId) === set) this.waiters.delete(conversationId);
        resolve(value);
      };
      const wake = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), waitMs);
      abort?.addEventListener('abort', onAbort);
      set.add(wake);
    });
    if (woken && !this.closed) await new Promise((resolve) => setTimeout(resolve, COALESCE_MS));
    return this.store.activitiesAfter(conversationId, watermark);
  }

  /** Releases every waiting poller (shutdown) and stops holding new ones. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    for (const set of this.waiters.values()) for (const wake of [...set]) wake();
    this.waiters.clear();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private wake(conversationId: string): void {
    for (const wake of [...(this.waiters.get(conversationId) ?? [])]) wake();
  }

  /** Strictly increasing timestamps, so Web Chat orders activities exactly as they were appended. */
  private nextTimestamp(): Date {
    const now = this.now().getTime();
    this.lastTimestamp = Math.max(now, this.lastTimestamp + 1);
    return new Date(this.lastTimestamp);
  }
}
