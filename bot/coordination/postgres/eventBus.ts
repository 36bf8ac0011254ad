// Event fan-out across instances: each message is a row of `events`, and a NOTIFY carrying only its id
// (payloads are capped at 8000 bytes and never replayed). One dedicated listening connection per instance
// wakes a read of every row after the last id seen; a poll every few seconds and a read after each
// reconnect catch whatever a lost notification or a dropped connection missed.
import pg from 'pg';
import type { Logger } from '../../logger';
import { TopicListeners } from '../local';
import type { EventBus, Topic } from '../ports';
import { coalesce } from './coalesce';
import { PostgresTurnLock } from './turnLock';
import { query } from '../../storage/postgres/pool';

const CHANNEL = 'bot_events';
const BATCH = 500;

export interface PostgresEventBusOptions {
  url: string;
  logger: Pick<Logger, 'warn' | 'error'>;
  pollMs?: number;
  /**
   * How long a hole in the ids is looked at again: ids are taken at insert but seen at commit, so a later
   * id can be visible before an earlier one (a turn's transaction still open). Longer than any
   * transaction may stay open (the server ends idle ones after a minute): a hole that old was a rollback.
   */
  holeMs?: number;
  reconnectMs?: number;
}

export class PostgresEventBus implements EventBus {
  private readonly listeners = new TopicListeners();
  /** Every id up to here is delivered or was a rollback. */
  private floor = 0;
  /** Ids above the floor already delivered (a hole below them is still open). */
  private readonly delivered = new Set<number>();
  private hole?: { at: number; since: number };
  private listener?: pg.Client;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private publishing: Promise<unknown> = Promise.resolve();
  private readonly pollMs: number;
  private readonly holeMs: number;
  private readonly reconnectMs: number;
  /** Reads every row after the last id seen (coalesced: a notification storm is one read). */
  readonly catchUp: () => Promise<void>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresEventBusOptions,
  ) {
    this.pollMs = options.pollMs ?? 2_000;
    this.holeMs = options.holeMs ?? 90_000;
    this.reconnectMs = options.reconnectMs ?? 500;
    this.catchUp = coalesce(
      () => this.readOnce(),
      (error) => options.logger.warn({ err: (error as Error).message }, 'event read failed; the next poll retries'),
    );
  }

  /** Starts after the newest event (earlier ones were for the instances running then). */
  async start(): Promise<void> {
    const { rows } = await this.pool.query<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM events');
    this.floor = Number(rows[0].id);
    await this.listen();
    const poll = setInterval(() => void this.catchUp(), this.pollMs);
    poll.unref();
    this.timers.add(poll);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.publishing;
    await this.catchUp();
  }

  /** The backend pid of the listening connection (tests cut it off). */
  get listenerPid(): number | undefined {
    return (this.listener as unknown as { processID?: number } | undefined)?.processID;
  }

  topic<T>(name: string): Topic<T> {
    return this.listeners.topic<T>(name, (message) => this.publish(name, message));
  }

  /**
   * One instance's publishes are inserted one after another, so their ids keep publish order. Inside a
   * turn the row is part of the turn's transaction: listeners hear of it once the turn's changes commit.
   */
  private publish(topic: string, message: unknown): Promise<void> {
    const db = PostgresTurnLock.current() ?? this.pool;
    const insert = this.publishing.then(() =>
      query(
        db,
        `WITH e AS (INSERT INTO events (topic, message) VALUES ($1, $2) RETURNING id)
         SELECT pg_notify('${CHANNEL}', id::text) FROM e`,
        [topic, JSON.stringify(message)],
      ),
    );
    this.publishing = insert.catch(() => undefined);
    return insert.then(() => void this.catchUp());
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url, application_name: 'seller-support-bot events' });
    const lost = (error?: Error) => {
      if (this.listener !== client || this.closed) return;
      this.listener = undefined;
      this.options.logger.warn({ err: error?.message }, 'event listener connection lost; reconnecting');
      client.end().catch(() => undefined);
      this.reconnectLater();
    };
    client.on('notification', () => void this.catchUp());
    client.on('error', lost);
    client.on('end', () => lost());
    await client.connect();
    try {
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) return void (await client.end());
    this.listener = client;
    void this.catchUp(); // whatever was published while no one here listened
  }

  private reconnectLater(): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed) return;
      this.listen().catch((error: Error) => {
        this.options.logger.warn({ err: error.message }, 'event listener reconnect failed; retrying');
        this.reconnectLater();
      });
    }, this.reconnectMs);
    timer.unref();
    this.timers.add(timer);
  }

  /**
   * Delivers every committed row above the floor not delivered yet, in id order, then raises the floor
   * over what is settled. A row committed late (its transaction was open during an earlier read) is
   * delivered when it appears: in commit order, never lost.
   */
  private async readOnce(): Promise<void> {
    let after = this.floor;
    for (;;) {
      const { rows } = await this.pool.query<{ id: string; topic: string; message: unknown }>(
        'SELECT id, topic, message FROM events WHERE id > $1 ORDER BY id LIMIT $2',
        [after, BATCH],
      );
      for (const row of rows) {
        const id = Number(row.id);
        after = id;
        if (this.delivered.has(id)) continue;
        this.delivered.add(id);
        this.deliver(row.topic, row.message);
      }
      this.raiseFloor(after);
      if (rows.length < BATCH) return;
    }
  }

  private raiseFloor(highest: number): void {
    for (;;) {
      while (this.delivered.delete(this.floor + 1)) this.floor += 1;
      if (this.floor >= highest) return void (this.hole = undefined);
      // A hole below delivered ids: an open transaction, or a rollback once it is old enough.
      const now = Date.now();
      if (this.hole?.at !== this.floor + 1) this.hole = { at: this.floor + 1, since: now };
      if (now - this.hole.since < this.holeMs) return;
      this.floor += 1;
    }
  }

  private deliver(topic: string, message: unknown): void {
    this.listeners.deliver(topic, message, (error) => this.options.logger.error({ err: (error as Error).message, topic }, 'event listener failed'));
  }
}
