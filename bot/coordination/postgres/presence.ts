// Agents online across instances: a row per instance and agent while this instance has a connection of
// that agent open, kept fresh by a heartbeat. A crashed instance's rows stop being refreshed and drop out
// of everyone's view after the time-to-live. Changes are announced on the event bus so other instances
// re-read at once instead of at their next heartbeat.
import type pg from 'pg';
import type { Logger } from '../../logger';
import { ConnectionCounts } from '../local';
import type { EventBus, Presence, Topic } from '../ports';
import { coalesce } from './coalesce';

export interface PostgresPresenceOptions {
  instance: string;
  logger: Pick<Logger, 'warn'>;
  heartbeatMs?: number;
  /** A row not refreshed for this long is a dead instance's. */
  ttlMs?: number;
}

export class PostgresPresence implements Presence {
  private readonly connections = new ConnectionCounts();
  private readonly listeners = new Set<(agents: readonly string[]) => void>();
  private view: readonly string[] = [];
  private readonly changes: Topic<{ instance: string }>;
  private timer?: NodeJS.Timeout;
  private readonly heartbeatMs: number;
  readonly ttlMs: number;
  /** Re-reads who is online (coalesced). */
  readonly refresh: () => Promise<void>;

  constructor(
    private readonly pool: pg.Pool,
    events: EventBus,
    private readonly options: PostgresPresenceOptions,
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
    this.ttlMs = options.ttlMs ?? 3 * this.heartbeatMs;
    this.refresh = coalesce(
      () => this.read(),
      (error) => options.logger.warn({ err: (error as Error).message }, 'presence read failed'),
    );
    this.changes = events.topic('presence');
    this.changes.subscribe(() => void this.refresh());
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.heartbeat(), this.heartbeatMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    const agents = this.connections.agents();
    this.connections.clear();
    if (agents.length) await this.pool.query('DELETE FROM presence WHERE instance = $1', [this.options.instance]).catch(() => undefined);
  }

  async connect(agent: string): Promise<{ leave(): Promise<void> }> {
    const connection = this.connections.open(agent);
    if (connection.first) await this.announce(this.upsert([agent]));
    return {
      leave: async () => {
        if (!connection.close()) return;
        await this.announce(this.pool.query('DELETE FROM presence WHERE instance = $1 AND agent = $2', [this.options.instance, agent]));
      },
    };
  }

  /** The last read, plus this instance's own agents the read has not seen yet (a connect under way). */
  online(): readonly string[] {
    const unseen = this.connections.agents().filter((agent) => !this.view.includes(agent));
    return unseen.length ? [...this.view, ...unseen] : this.view;
  }

  onChange(listener: (agents: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** After a write: this instance's view is current when connect/leave resolves; the others hear of it. */
  private async announce(write: Promise<unknown>): Promise<void> {
    await write;
    await this.refresh();
    await this.changes.publish({ instance: this.options.instance });
  }

  private upsert(agents: string[]): Promise<unknown> {
    return this.pool.query(
      `INSERT INTO presence (instance, agent) SELECT $1, unnest($2::text[])
       ON CONFLICT (instance, agent) DO UPDATE SET seen_at = now()`,
      [this.options.instance, agents],
    );
  }

  private async heartbeat(): Promise<void> {
    try {
      const agents = this.connections.agents();
      if (agents.length) await this.upsert(agents);
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'presence heartbeat failed');
    }
    await this.refresh(); // also drops agents of instances that stopped beating
  }

  private async read(): Promise<void> {
    const { rows } = await this.pool.query<{ agent: string }>(
      `SELECT agent FROM presence WHERE seen_at > now() - make_interval(secs => $1)
       GROUP BY agent ORDER BY min(since), agent`,
      [this.ttlMs / 1000],
    );
    const agents = rows.map((row) => row.agent);
    if (agents.length === this.view.length && agents.every((agent, i) => agent === this.view[i])) return;
    this.view = agents;
    for (const listener of [...this.listeners]) listener(agents);
  }
}
