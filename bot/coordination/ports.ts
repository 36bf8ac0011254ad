// Process-local coordination, named as ports: what several instances on one database would have to share.
// Today's implementations live in ./inProcess; a multi-instance backend implements the same interfaces and
// is chosen in bot/app.ts. Signatures are async where a shared backend would wait on the network.

/** Runs the turns of one conversation one at a time; different keys run concurrently. */
export interface TurnLock {
  /** Runs `work` once nothing else holds `key`; resolves or rejects with it. */
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
  /** Resolves when every work started here has finished (graceful shutdown). */
  drain(): Promise<void>;
}

/** The turn-lock key of a conversation: ids are only unique within their channel. */
export function conversationKey(channelId: string | undefined, conversationId: string): string {
  return `${channelId ?? ''}\n${conversationId}`;
}

/** Which agents are online (have the console's event stream open). */
export interface Presence {
  /** An agent connected; the returned `leave` ends that one connection. */
  connect(agent: string): Promise<{ leave(): Promise<void> }>;
  /**
   * Distinct agents online as last known here. Reading never waits: a shared backend keeps this view
   * fresh from heartbeats, and a wait estimate may be a few seconds behind.
   */
  online(): readonly string[];
  /** Runs when the set of agents online changes (on every instance); returns the unsubscribe. */
  onChange(listener: (agents: readonly string[]) => void): () => void;
}

/** One topic of the event fan-out. Messages are plain JSON so a shared backend can carry them. */
export interface Topic<T> {
  /** Delivers `message` to the topic's subscribers on every instance, in publish order. */
  publish(message: T): Promise<void>;
  /** Returns the unsubscribe. */
  subscribe(listener: (message: T) => void): () => void;
}

/** Event fan-out: agent events to every console, web-chat wake-ups to every long poll. */
export interface EventBus {
  topic<T>(name: string): Topic<T>;
}

/** A periodic job: the handoff scheduler, the outbox sweep, retention, the WAL checkpointer. */
export interface Job {
  readonly name: string;
  readonly everyMs: number;
  /** Also run once when the jobs start. */
  readonly atStart?: boolean;
  run(): unknown;
}

/** Starts and stops the periodic jobs; a run never overlaps the same job's previous run. */
export interface Jobs {
  add(job: Job): void;
  start(): void;
  /** Stops the timers and waits for runs under way. */
  stop(): Promise<void>;
}

export type RateVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** At most `limit` hits per key in each window of `windowMs` (fixed windows; 0 turns the limit off). */
export interface RateRule {
  limit: number;
  windowMs: number;
}

export interface RateLimit {
  /** Counts a hit; when refused, how long until the key's next window. */
  take(key: string): Promise<RateVerdict>;
  /** Whether `key` is out of budget now, without counting (for limits on failures only). */
  check(key: string): Promise<RateVerdict>;
}

export interface RateLimits {
  /** The limit called `name` (its keys are its own: two limits never share a count). */
  limit(name: string, rule: RateRule): RateLimit;
}

export interface Coordination {
  turns: TurnLock;
  presence: Presence;
  events: EventBus;
  jobs: Jobs;
  rateLimits: RateLimits;
}
