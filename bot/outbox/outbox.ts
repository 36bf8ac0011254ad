// The durable outbox: activities for a channel are stored first (outbox_messages), then delivered in
// order per conversation with a ConnectorClient for the stored serviceUrl; what the channel does not
// take (down, slow, unreachable) stays stored and is retried with exponential backoff and jitter, after
// a restart too. Delivery is at-least-once: an attempt that timed out may still have reached the channel
// and is sent again, with the same activity `id` every time so the channel (or a client) can drop the
// repeat. A later activity of a conversation never overtakes an earlier undelivered one.
import { randomUUID } from 'node:crypto';
import { originOf } from '../conversationReferences';
import type { Activity, ResourceResponse } from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';
import type { Logger } from '../logger';
import type { Database } from '../storage/sqlite/database';
import { type OutboxRow, OutboxStore } from './store';

export interface OutboxOptions {
  db: Database;
  logger: Logger;
  /** A ConnectorClient for a serviceUrl (and the token audience the turn used; undefined: the default). */
  connectorFor: (serviceUrl: string, audience?: string) => Promise<ConnectorClient>;
  /** Longest a single delivery attempt may take (CHANNEL_TIMEOUT_MS); it is aborted and retried after. */
  attemptTimeoutMs: number;
  /** First retry delay; doubles with every failed attempt of the conversation's oldest message. */
  retryBaseMs: number;
  /** Longest retry delay. */
  retryMaxMs: number;
  /** Messages still undelivered this long after they were written are given up (kept as failed). */
  maxAgeMs: number;
  /**
   * Unauthenticated (local mode) traffic only: undelivered messages kept per serviceUrl origin. Past it,
   * new messages for that origin are not stored (anyone can name a dead serviceUrl for many conversations).
   */
  maxPendingPerOrigin?: number;
  now?: () => number;
  random?: () => number;
}

/** One activity for a conversation on a channel. */
export interface OutgoingActivity {
  conversationId: string;
  channelId: string;
  serviceUrl: string;
  audience?: string;
  activity: Partial<Activity>;
}

export interface SendResult {
  /** The outbox id, sent as the activity's `id` on every attempt. */
  activityId: string;
  delivered: boolean;
  /** The channel's answer, when delivered. */
  response?: ResourceResponse;
}

export interface DeliveredEvent {
  conversationId: string;
  activityId: string;
  activity: Partial<Activity>;
  /** Delivered later, not while the send that stored it was waiting (a retry, or after a restart). */
  retried: boolean;
}

type Settled = { delivered: boolean; response?: ResourceResponse };
type Attempt = { ok: true; response: ResourceResponse } | { ok: false; permanent: boolean; error: string };

/** Answers that will not change on a retry: the conversation or the bot is gone, the activity is refused. */
const PERMANENT_STATUS = new Set([400, 403, 404, 405, 410, 413, 422]);

interface Pump {
  done: Promise<void>;
  again: boolean;
  force: boolean;
}

class AttemptTimeout extends Error {}

export class Outbox {
  readonly store: OutboxStore;
  private readonly pumps = new Map<string, Pump>();
  private readonly waiters = new Map<string, Map<number, (settled: Settled) => void>>();
  private readonly deliveredListeners: ((event: DeliveredEvent) => void)[] = [];
  private readonly inFlight = new Set<AbortController>();
  private readonly now: () => number;
  private readonly random: () => number;
  private timer?: NodeJS.Timeout;
  private sweeping = false;
  private closing = false;

  constructor(private readonly options: OutboxOptions) {
    this.store = new OutboxStore(options.db);
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Called after every activity the channel took (in-turn or on a retry). */
  onDelivered(listener: (event: DeliveredEvent) => void): void {
    this.deliveredListeners.push(listener);
  }

  /**
   * Stores the activities (in order), then delivers them after any earlier undelivered activity of the
   * same conversation. Resolves once each is delivered, or its attempt failed, or after `waitMs`: what
   * is not delivered by then stays stored and is retried in the background. With `attempt: false` the
   * call does not wait and does not jump the retry schedule (the sender knows the channel is not answering).
   */
  async send(items: OutgoingActivity[], waitMs: number, { attempt = true }: { attempt?: boolean } = {}): Promise<SendResult[]> {
    const createdAt = this.now();
    const rows = items.map((item) => ({
      conversationId: item.conversationId,
      channelId: item.channelId,
      serviceUrl: item.serviceUrl,
      audience: item.audience,
      activityId: randomUUID(),
      activity: JSON.stringify(item.activity),
      createdAt,
    }));
    const capped = this.overCap(rows);
    if (capped) {
      this.options.logger.warn({ conversationId: rows[0]?.conversationId, origin: capped }, 'outbox: too many undelivered messages for this serviceUrl; not kept');
      return rows.map((r) => ({ activityId: r.activityId, delivered: false }));
    }
    const ids = this.store.add(rows);
    if (!attempt) {
      // Not forced: tried now only if nothing before them is waiting for its retry time.
      for (const conversationId of new Set(rows.map((r) => r.conversationId))) if (!this.pumps.has(conversationId)) void this.kick(conversationId, false);
      return rows.map((r) => ({ activityId: r.activityId, delivered: false }));
    }
    const settled = ids.map((id, i) => this.waitFor(rows[i]!.conversationId, id));
    for (const conversationId of new Set(rows.map((r) => r.conversationId))) void this.kick(conversationId, true);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), waitMs);
    });
    const outcomes = await Promise.all(settled.map((p) => Promise.race([p, deadline])));
    clearTimeout(timer);
    ids.forEach((id, i) => this.waiters.get(rows[i]!.conversationId)?.delete(id));
    for (const row of rows) if (this.waiters.get(row.conversationId)?.size === 0) this.waiters.delete(row.conversationId);
    return outcomes.map((outcome, i) => ({ activityId: rows[i]!.activityId, delivered: outcome?.delivered ?? false, response: outcome?.response }));
  }

  /** The origin whose undelivered count the rows would take past maxPendingPerOrigin (counted in when not). */
  private overCap(rows: { serviceUrl: string }[]): string | undefined {
    const cap = this.options.maxPendingPerOrigin;
    if (!cap) return undefined;
    if (!this.pendingByOrigin) {
      this.pendingByOrigin = new Map();
      for (const { service_url, n } of this.store.pendingByServiceUrl()) {
        const origin = originOf(service_url);
        this.pendingByOrigin.set(origin, (this.pendingByOrigin.get(origin) ?? 0) + n);
      }
    }
    const adding = new Map<string, number>();
    for (const row of rows) adding.set(originOf(row.serviceUrl), (adding.get(originOf(row.serviceUrl)) ?? 0) + 1);
    for (const [origin, n] of adding) if ((this.pendingByOrigin.get(origin) ?? 0) + n > cap) return origin;
    for (const [origin, n] of adding) this.pendingByOrigin.set(origin, (this.pendingByOrigin.get(origin) ?? 0) + n);
    return undefined;
  }

  /** A row left the pending state (delivered or given up). */
  private released(serviceUrl: string): void {
    if (!this.pendingByOrigin) return;
    const origin = originOf(serviceUrl);
    const left = (this.pendingByOrigin.get(origin) ?? 1) - 1;
    if (left > 0) this.pendingByOrigin.set(origin, left);
    else this.pendingByOrigin.delete(origin);
  }

  private pendingByOrigin?: Map<string, number>;

  /** Activity ids of a conversation still waiting for the channel, oldest first. */
  pendingActivityIds(conversationId: string): string[] {
    return this.store.pendingActivityIds(conversationId);
  }

  /** Undelivered activities per conversation (only conversations that have some). */
  pendingCounts(): Map<string, number> {
    return this.store.pendingCounts();
  }

  /** Starts the background retries (and resumes what an earlier run left undelivered). */
  start(): void {
    if (this.timer || this.closing) return;
    const every = Math.min(1000, Math.max(50, Math.floor(this.options.retryBaseMs / 2)));
    this.timer = setInterval(() => this.sweep(), every);
    this.timer.unref();
    this.sweep();
  }

  /**
   * Stops retrying and cuts attempts still in flight (a hung channel must not hold the shutdown); what
   * they carried stays stored and is sent again by the next run (at-least-once, same activity id).
   */
  async close(): Promise<void> {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const controller of this.inFlight) controller.abort();
    await Promise.all([...this.pumps.values()].map((p) => p.done));
  }

  /** Retries every conversation whose oldest undelivered activity is due. */
  sweep(): void {
    if (this.closing || this.sweeping) return;
    this.sweeping = true;
    try {
      for (const conversationId of this.store.dueConversations(this.now(), 200)) {
        if (!this.pumps.has(conversationId)) void this.kick(conversationId, false);
      }
    } catch (error) {
      this.options.logger.error({ err: (error as Error).message }, 'outbox sweep failed');
    } finally {
      this.sweeping = false;
    }
  }

  private waitFor(conversationId: string, id: number): Promise<Settled> {
    return new Promise((resolve) => {
      let forConversation = this.waiters.get(conversationId);
      if (!forConversation) this.waiters.set(conversationId, (forConversation = new Map()));
      forConversation.set(id, resolve);
    });
  }

  private settle(conversationId: string, id: number, settled: Settled): void {
    const forConversation = this.waiters.get(conversationId);
    const resolve = forConversation?.get(id);
    if (!resolve) return;
    forConversation!.delete(id);
    resolve(settled);
  }

  /** The conversation stopped at a failure: everyone waiting behind it learns now, not at their deadline. */
  private settleAll(conversationId: string): void {
    const forConversation = this.waiters.get(conversationId);
    if (!forConversation) return;
    for (const resolve of forConversation.values()) resolve({ delivered: false });
    forConversation.clear();
  }

  /** One delivery loop per conversation at a time; a kick while it runs makes it go round once more. */
  private kick(conversationId: string, force: boolean): Promise<void> {
    const running = this.pumps.get(conversationId);
    if (running) {
      running.again = true;
      running.force ||= force;
      return running.done;
    }
    const pump: Pump = { done: Promise.resolve(), again: true, force };
    pump.done = (async () => {
      try {
        while (pump.again && !this.closing) {
          pump.again = false;
          const forced = pump.force;
          pump.force = false;
          const stopped = await this.pass(conversationId, forced);
          // Those waiting behind a failure learn now, not at their deadline (unless a new send retries at once).
          if (stopped && !(pump.again && pump.force)) this.settleAll(conversationId);
        }
      } catch (error) {
        this.options.logger.error({ conversationId, err: (error as Error).message }, 'outbox delivery failed');
        this.settleAll(conversationId);
      } finally {
        this.pumps.delete(conversationId);
      }
    })();
    this.pumps.set(conversationId, pump);
    return pump.done;
  }

  /** Delivers the conversation's pending activities oldest first; true when it stopped at one that failed. */
  private async pass(conversationId: string, force: boolean): Promise<boolean> {
    for (;;) {
      if (this.closing) return false;
      const row = this.store.head(conversationId);
      if (!row) return false;
      if (!force && row.next_attempt_at > this.now()) return false;
      const activity = parseActivity(row.activity);
      const attempt = await this.attempt(row, activity);
      if (attempt.ok) {
        this.store.delivered(row.id);
        this.released(row.service_url);
        const awaited = this.waiters.get(conversationId)?.has(row.id) ?? false;
        this.settle(conversationId, row.id, { delivered: true, response: attempt.response });
        this.emitDelivered({ conversationId, activityId: row.activity_id, activity, retried: !awaited });
        force = true; // the channel answers: go on with the rest
        continue;
      }
      const age = this.now() - row.created_at;
      if (attempt.permanent || age >= this.options.maxAgeMs) {
        this.store.fail(row.id, attempt.error);
        this.released(row.service_url);
        this.settle(conversationId, row.id, { delivered: false });
        this.options.logger.warn(
          { conversationId, activityId: row.activity_id, attempts: row.attempts + 1, err: attempt.error, permanent: attempt.permanent },
          'outbox: gave up on an activity',
        );
        continue;
      }
      const delay = this.backoff(row.attempts);
      this.store.retry(row.id, this.now() + delay, attempt.error);
      const log = row.attempts === 0 ? this.options.logger.warn.bind(this.options.logger) : this.options.logger.debug.bind(this.options.logger);
      log({ conversationId, activityId: row.activity_id, attempts: row.attempts + 1, retryInMs: delay, err: attempt.error }, 'outbox: not delivered, will retry');
      this.settle(conversationId, row.id, { delivered: false });
      return true;
    }
  }

  /** Exponential, capped, with "equal jitter" (half fixed, half random) so retries of many conversations spread. */
  private backoff(previousAttempts: number): number {
    const { retryBaseMs, retryMaxMs } = this.options;
    const full = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(previousAttempts, 30));
    return Math.round(full / 2 + (this.random() * full) / 2);
  }

  private async attempt(row: OutboxRow, activity: Partial<Activity>): Promise<Attempt> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new AttemptTimeout(`the channel did not answer within ${this.options.attemptTimeoutMs} ms`));
      }, this.options.attemptTimeoutMs);
    });
    const work = (async (): Promise<ResourceResponse> => {
      const connector = await this.options.connectorFor(row.service_url, row.audience ?? undefined);
      const conversationId = activity.conversation?.id ?? row.conversation_id;
      const body = { ...activity, id: row.activity_id };
      const options = { abortSignal: controller.signal };
      // botbuilder's replyToActivity also sends the conversation id as an HTTP header, which Node
      // refuses for characters outside Latin-1 (a Korean id, say); the plain send still carries
      // replyToId in the body, so such conversations get their replies that way.
      const response = activity.replyToId && HEADER_SAFE.test(conversationId)
        ? await connector.conversations.replyToActivity(conversationId, activity.replyToId, body, options)
        : await connector.conversations.sendToConversation(conversationId, body, options);
      return { id: response?.id ?? '' };
    })();
    work.catch(() => undefined); // settled by the race below; a late rejection is expected after a time-out
    try {
      return { ok: true, response: await Promise.race([work, timeout]) };
    } catch (error) {
      const statusCode = (error as { statusCode?: unknown }).statusCode;
      const message = error instanceof AttemptTimeout ? error.message : `${typeof statusCode === 'number' ? `${statusCode} ` : ''}${(error as Error).message ?? String(error)}`;
      return { ok: false, permanent: typeof statusCode === 'number' && PERMANENT_STATUS.has(statusCode), error: message };
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }

  private emitDelivered(event: DeliveredEvent): void {
    for (const listener of this.deliveredListeners) {
      try {
        listener(event);
      } catch (error) {
        this.options.logger.error({ conversationId: event.conversationId, err: (error as Error).message }, 'outbox delivered listener failed');
      }
    }
  }
}

/** What Node accepts in an HTTP header value. */
const HEADER_SAFE = /^[\t\x20-\x7e\x80-\xff]*$/;

function parseActivity(json: string): Partial<Activity> {
  const activity = JSON.parse(json) as Partial<Activity> & { timestamp?: unknown; localTimestamp?: unknown };
  // The connector's serializer wants dates as Date objects (JSON turned them into strings).
  if (typeof activity.timestamp === 'string') activity.timestamp = new Date(activity.timestamp);
  if (typeof activity.localTimestamp === 'string') activity.localTimestamp = new Date(activity.localTimestamp);
  return activity;
}
