// The per-origin cap of undelivered outbox rows for unauthenticated traffic (local mode): anyone can
// name a dead Bot Framework serviceUrl for many conversations. Channels say what an address's origin is
// (Channel.originOf); rows of channels without one are never capped.
import type { Channel, ChannelAddress } from '../channels/port';
import type { OutboxRepo } from '../storage/ports';

type Row = { channel: string; address: string };

export class PendingCap {
  /** Undelivered rows per origin, read from the table at the first send. */
  private pending?: Map<string, number>;
  private loading?: Promise<Map<string, number>>;

  constructor(
    private readonly max: number,
    private readonly store: Pick<OutboxRepo, 'pendingByAddress'>,
    private readonly channels: { get(name: string): Channel | undefined },
  ) {}

  /** Counts the rows in; the origin they would take past the cap instead (then nothing is counted). */
  async take(rows: Row[]): Promise<string | undefined> {
    const pending = this.pending ?? (await this.load());
    const adding = new Map<string, number>();
    for (const row of rows) {
      const key = this.keyOf(row);
      if (key !== undefined) adding.set(key, (adding.get(key) ?? 0) + 1);
    }
    for (const [key, n] of adding) if ((pending.get(key) ?? 0) + n > this.max) return key;
    for (const [key, n] of adding) pending.set(key, (pending.get(key) ?? 0) + n);
    return undefined;
  }

  /** A row left the pending state (delivered, taken or given up). */
  release(row: Row): void {
    const key = this.pending && this.keyOf(row);
    if (key === undefined) return;
    const left = (this.pending!.get(key) ?? 1) - 1;
    if (left > 0) this.pending!.set(key, left);
    else this.pending!.delete(key);
  }

  /** Once: concurrent first sends share the read, and every count after it is made on the one map. */
  private load(): Promise<Map<string, number>> {
    this.loading ??= this.store.pendingByAddress().then((rows) => {
      const pending = new Map<string, number>();
      for (const { channel, address, n } of rows) {
        const key = this.keyOf({ channel, address });
        if (key !== undefined) pending.set(key, (pending.get(key) ?? 0) + n);
      }
      return (this.pending = pending);
    });
    return this.loading;
  }

  private keyOf(row: Row): string | undefined {
    const origin = this.channels.get(row.channel)?.originOf?.(parseAddress(row.address));
    return origin === undefined ? undefined : `${row.channel}\n${origin}`;
  }
}

export function parseAddress(json: string): ChannelAddress {
  const address: unknown = JSON.parse(json);
  return typeof address === 'object' && address !== null && !Array.isArray(address) ? (address as ChannelAddress) : {};
}
