// The durable outbox: activities for a channel are stored first (outbox_messages), then delivered in
// order per conversation through the channel's `push` (bot/channels) to the stored address; what the
// channel does not take (down, slow, unreachable) stays stored and is retried with exponential backoff
// and jitter, after a restart too. Delivery is at-least-once: an attempt that timed out may still have
// reached the channel and is sent again, with the same activity `id` every time so the channel (or a
// client) can drop the repeat. A later activity of a conversation never overtakes an earlier undelivered
// one. Rows for a conversation of reach `next-message` are held: never tried on a timer, taken by the
// channel (takeHeld) at the start of the seller's next turn.
import { randomUUID } from 'node:crypto';
import type { Activity, ResourceResponse } from 'botbuilder';
import { type Channel, type ChannelAddress, DeliveryError } from '../channels/port';
import type { Job } from '../coordination';
import type { Logger } from '../logger';
import { PendingCap, parseAddress } from './cap';
import type { OutboxRepo, OutboxRow } from '../storage/ports';

export interface OutboxOptions {
  /** Where the rows are kept (stores.outbox). */
  store: OutboxRepo;
  logger: Logger;
  /** The channels by name (looked up at every attempt: a channel may be added after the outbox). */
  channels: { get(name: string): Channel | undefined };
  /** Longest a single delivery attempt may take (CHANNEL_TIMEOUT_MS); it is aborted and retried after. */
  attemptTimeoutMs: number;
  /** First retry delay; doubles with every failed attempt of the conversation's oldest message. */
  retryBaseMs: number;
  /** Longest retry delay. */
  retryMaxMs: number;
  /** Messages still undelivered this long after they were written are given up (kept as failed). */
  maxAgeMs: number;
  /**
   * Unauthenticated (local mode) traffic only: undelivered messages kept per channel cap key (a Bot
   * Framework serviceUrl's origin, see Channel.originOf). Past it, new messages for that key are not
   * stored (anyone can name a dead serviceUrl for many conversations).
   */
  maxPendingPerOrigin?: number;
  now?: () => number;
  random?: () => number;
}

/** One activity for a conversation on a channel. */
export interface OutgoingActivity {
  /** The channel's name (bot/channels). */
  channel: string;
  conversationId: string;
  /** The activity's channelId, as in conversation references. */
  channelId: string;
  address: ChannelAddress;
  /** Keep it until the channel takes it in the seller's next turn (reach `next-message`). */
  hold?: boolean;
  activity: Partial<Activity>;
}

export interface SendResult {
  /** The outbox id, sent as the activity's `id` on every attempt. */
  activityId: string;
  delivered: boolean;
  /** Kept for the seller's next turn (reach `next-message`): not a failure. */
  held?: boolean;
  /** The channel's answer, when delivered. */
  response?: ResourceResponse;
}

export interface DeliveredEvent {
  channel: string;
  conversationId: string;
  activityId: string;
  activity: Partial<Activity>;
  /** Delivered later, not while the send that stored it was waiting (a retry, or after a restart). */
  retried: boolean;
}

type Settled = { delivered: boolean; response?: ResourceResponse };
type Attempt = { ok: true; response: ResourceResponse } | { ok: false; permanent: boolean; error: string };

interface Pump {
  done: Promise<void>;
  again: boolean;
  force: boolean;
}

class AttemptTimeout extends Error {}

export class Outbox {
  readonly store: OutboxRepo;
  private readonly pumps = new Map<string, Pump>();
  private readonly waiters = new Map<string, Map<number, (settled: Settled) => void>>();
  private readonly deliveredListeners: ((event: DeliveredEvent) => void)[] = [];
  private readonly inFlight = new Set<AbortController>();
  private readonly now: () => number;
  private readonly random: () => number;
  private sweeping = false;
  private closing = false;

  /** Unauthenticated traffic only (maxPendingPerOrigin). */
  private readonly cap?: PendingCap;

  constructor(private readonly options: OutboxOptions) {
    this.store = options.store;
    if (options.maxPendingPerOrigin) this.cap = new PendingCap(options.maxPendingPerOrigin, this.store, options.channels);
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
      channel: item.channel,
      address: JSON.stringify(item.address),
      held: item.hold === true,
      activityId: randomUUID(),
      activity: JSON.stringify(item.activity),
      createdAt,
    }));
    const capped = await this.cap?.take(rows);
    if (capped) {
      this.options.logger.warn({ conversationId: rows[0]?.conversationId, origin: capped }, 'outbox: too many undelivered messages for this address; not kept');
      return rows.map((r) => ({ activityId: r.activityId, delivered: false }));
    }
    const ids = await this.store.add(rows);
    const conversations = new Map(rows.filter((r) => !r.held).map((r) => [pumpKey(r.channel, r.conversationId), r] as const));
    if (!attempt) {
      // Not forced: tried now only if nothing before them is waiting for its retry time.
      for (const [key, r] of conversations) if (!this.pumps.has(key)) void this.kick(r.channel, r.conversationId, false);
      return rows.map((r) => ({ activityId: r.activityId, delivered: false, held: r.held || undefined }));
    }
    const keys = rows.map((r) => pumpKey(r.channel, r.conversationId));
    const settled = ids.map((id, i) => (rows[i]!.held ? Promise.resolve<Settled>({ delivered: false }) : this.waitFor(keys[i]!, id)));
    for (const r of conversations.values()) void this.kick(r.channel, r.conversationId, true);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), waitMs);
    });
    const outcomes = await Promise.all(settled.map((p) => Promise.race([p, deadline])));
    clearTimeout(timer);
    ids.forEach((id, i) => this.waiters.get(keys[i]!)?.delete(id));
    for (const key of keys) if (this.waiters.get(key)?.size === 0) this.waiters.delete(key);
    return outcomes.map((outcome, i) => ({
      activityId: rows[i]!.activityId,
      delivered: outcome?.delivered ?? false,
      held: rows[i]!.held || undefined,
      response: outcome?.response,
    }));
  }

  /**
   * The held activities of a conversation (reach `next-message`), oldest first, removed from the outbox:
   * the channel calls this at the start of the seller's next turn and answers with them. They count as
   * delivered from then on (onDelivered listeners hear of each).
   */
  async takeHeld(channel: string, conversationId: string): Promise<Partial<Activity>[]> {
    const rows = await this.store.takeHeld(channel, conversationId);
    return rows.map((row) => {
      this.cap?.release(row);
      const activity = { ...(JSON.parse(row.activity) as Partial<Activity>), id: row.activity_id };
      this.emitDelivered({ channel, conversationId, activityId: row.activity_id, activity, retried: true });
      return activity;
    });
  }

  /** Activity ids of a conversation still waiting for the channel, oldest first. */
  pendingActivityIds(conversationId: string): Promise<string[]> {
    return this.store.pendingActivityIds(conversationId);
  }

  /** Undelivered activities per conversation (only conversations that have some). */
  pendingCounts(): Promise<Map<string, number>> {
    return this.store.pendingCounts();
  }

  /** The background retries, as a job; its first run resumes what an earlier run left undelivered. */
  get job(): Job {
    return { name: 'outbox-sweep', everyMs: Math.min(1000, Math.max(50, Math.floor(this.options.retryBaseMs / 2))), atStart: true, run: () => this.sweep() };
  }

  /**
   * Stops retrying and cuts attempts still in flight (a hung channel must not hold the shutdown); what
   * they carried stays stored and is sent again by the next run (at-least-once, same activity id).
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const controller of this.inFlight) controller.abort();
    await Promise.all([...this.pumps.values()].map((p) => p.done));
  }

  /** Retries every conversation whose oldest undelivered activity is due. */
  async sweep(): Promise<void> {
    if (this.closing || this.sweeping) return;
    this.sweeping = true;
    try {
      for (const { channel, conversationId } of await this.store.dueConversations(this.now(), 200)) {
        if (!this.pumps.has(pumpKey(channel, conversationId))) void this.kick(channel, conversationId, false);
      }
    } catch (error) {
      this.options.logger.error({ err: (error as Error).message }, 'outbox sweep failed');
    } finally {
      this.sweeping = false;
    }
  }

  private waitFor(key: string, id: number): Promise<Settled> {
    return new Promise((resolve) => {
      let forConversation = this.waiters.get(key);
      if (!forConversation) this.waiters.set(key, (forConversation = new Map()));
      forConversation.set(id, resolve);
    });
  }

  private settle(key: string, id: number, settled: Settled): void {
    const forConversation = this.waiters.get(key);
    const resolve = forConversation?.get(id);
    if (!resolve) return;
    forConversation!.delete(id);
    resolve(settled);
  }

  /** The conversation stopped at a failure: everyone waiting behind it learns now, not at their deadline. */
  private settleAll(key: string): void {
    const forConversation = this.waiters.get(key);
    if (!forConversation) return;
    for (const resolve of forConversation.values()) resolve({ delivered: false });
    forConversation.clear();
  }

  /** One delivery loop per conversation at a time; a kick while it runs makes it go round once more. */
  private kick(channel: string, conversationId: string, force: boolean): Promise<void> {
    const key = pumpKey(channel, conversationId);
    const running = this.pumps.get(key);
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
          const stopped = await this.pass(channel, conversationId, forced);
          // Those waiting behind a failure learn now, not at their deadline (unless a new send retries at once).
          if (stopped && !(pump.again && pump.force)) this.settleAll(key);
        }
      } catch (error) {
        this.options.logger.error({ conversationId, err: (error as Error).message }, 'outbox delivery failed');
        this.settleAll(key);
      } finally {
        this.pumps.delete(key);
      }
    })();
    this.pumps.set(key, pump);
    return pump.done;
  }

  /** Delivers the conversation's pending activities oldest first; true when it stopped at one that failed. */
  private async pass(channel: string, conversationId: string, force: boolean): Promise<boolean> {
    const key = pumpKey(channel, conversationId);
    for (;;) {
      if (this.closing) return false;
      const row = await this.store.head(channel, conversationId);
      // A held head waits for the seller's next turn (takeHeld); what is behind it waits too.
      if (!row || row.held) return false;
      if (!force && row.next_attempt_at > this.now()) return false;
      const activity = JSON.parse(row.activity) as Partial<Activity>;
      const attempt = await this.attempt(row, activity);
      if (attempt.ok) {
        await this.store.delivered(row.id);
        this.cap?.release(row);
        const awaited = this.waiters.get(key)?.has(row.id) ?? false;
        this.settle(key, row.id, { delivered: true, response: attempt.response });
        this.emitDelivered({ channel, conversationId, activityId: row.activity_id, activity, retried: !awaited });
        force = true; // the channel answers: go on with the rest
        continue;
      }
      const age = this.now() - row.created_at;
      if (attempt.permanent || age >= this.options.maxAgeMs) {
        await this.store.fail(row.id, attempt.error);
        this.cap?.release(row);
        this.settle(key, row.id, { delivered: false });
        this.options.logger.warn(
          { conversationId, activityId: row.activity_id, attempts: row.attempts + 1, err: attempt.error, permanent: attempt.permanent },
          'outbox: gave up on an activity',
        );
        continue;
      }
      const delay = this.backoff(row.attempts);
      await this.store.retry(row.id, this.now() + delay, attempt.error);
      const log = row.attempts === 0 ? this.options.logger.warn.bind(this.options.logger) : this.options.logger.debug.bind(this.options.logger);
      log({ conversationId, activityId: row.activity_id, attempts: row.attempts + 1, retryInMs: delay, err: attempt.error }, 'outbox: not delivered, will retry');
      this.settle(key, row.id, { delivered: false });
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
      const channel = this.options.channels.get(row.channel);
      // A channel switched off in this run (the web chat without LOCAL_WEBCHAT): kept until it is back or too old.
      if (!channel) throw new DeliveryError(`no channel "${row.channel}" in this run`, false);
      const response = await channel.push(parseAddress(row.address), { ...activity, id: row.activity_id }, controller.signal);
      return { id: response?.id ?? '' };
    })();
    work.catch(() => undefined); // settled by the race below; a late rejection is expected after a time-out
    try {
      return { ok: true, response: await Promise.race([work, timeout]) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, permanent: error instanceof DeliveryError && error.permanent, error: message };
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

/** Pumps and waiters are per conversation of a channel: two channels may use the same conversation id. */
function pumpKey(channel: string, conversationId: string): string {
  return `${channel}\n${conversationId}`;
}
