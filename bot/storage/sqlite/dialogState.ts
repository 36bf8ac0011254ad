import type { StoreItems } from 'botbuilder';
import type { DialogStateStore } from '../ports';
import { type Database, withBusyRetry } from './database';

/**
 * Durable botbuilder `Storage` (conversation/user/dialog state) in a SQLite table.
 *
 * Behaves like botbuilder's `MemoryStorage`: `read` returns only existing keys, each with its
 * `eTag`; `write` rejects an item whose `eTag` (other than `'*'` or empty) differs from the
 * stored one, and otherwise stores it under a new eTag; writing a key that does not exist yet
 * always succeeds. Unlike `MemoryStorage`, all changes of one `write` call are committed in a
 * single transaction, so a conflict on one key leaves every key unchanged.
 *
 * Values are JSON-serialised, exactly like MemoryStorage's clones and the durable botbuilder
 * storages (BlobsStorage, CosmosDbPartitionedStorage): plain objects round-trip, but a `Date`
 * comes back as its ISO string, and `undefined` members, functions and class prototypes are lost.
 */
export class SqliteStorage implements DialogStateStore {
  private readonly selectItem;
  private readonly selectEtag;
  private readonly upsert;
  private readonly remove;
  private readonly nextEtag;
  private readonly upsertWithNewEtag;

  constructor(private readonly db: Database) {
    this.selectItem = db.prepare<[string], { value: string; etag: number }>('SELECT value, etag FROM storage WHERE key = ?');
    this.selectEtag = db.prepare<[string], number>('SELECT etag FROM storage WHERE key = ?').pluck();
    this.upsert = db.prepare<[string, string, number]>(
      'INSERT INTO storage (key, value, etag) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, etag = excluded.etag',
    );
    this.remove = db.prepare<[string]>('DELETE FROM storage WHERE key = ?');
    this.nextEtag = db.prepare<[], number>('UPDATE storage_etag SET value = value + 1 WHERE id = 1 RETURNING value').pluck();
    this.upsertWithNewEtag = db.transaction((key: string, json: string) => void this.upsert.run(key, json, this.nextEtag.get()!));
  }

  async read(keys: string[]): Promise<StoreItems> {
    if (!keys) throw new ReferenceError('Keys are required when reading.');
    // One transaction so the keys are read from a single consistent snapshot.
    return this.db.transaction(() => {
      const items: StoreItems = {};
      for (const key of keys) {
        const row = this.selectItem.get(key);
        if (row) items[key] = { ...JSON.parse(row.value), eTag: String(row.etag) };
      }
      return items;
    })();
  }

  async write(changes: StoreItems): Promise<void> {
    if (!changes) throw new ReferenceError('Changes are required when writing.');
    const writeAll = this.db.transaction(() => {
      for (const [key, item] of Object.entries(changes)) {
        if (item === null || typeof item !== 'object' || Array.isArray(item)) {
          throw new TypeError(`Storage: item for "${key}" must be an object.`);
        }
        const { eTag, ...value } = item as { eTag?: unknown };
        const stored = this.selectEtag.get(key);
        if (stored !== undefined && eTag && eTag !== '*' && eTag !== String(stored)) {
          throw new Error(`Storage: error writing "${key}" due to eTag conflict.`);
        }
        // The eTag lives in its own column; it is added back on read.
        this.upsert.run(key, JSON.stringify(value), this.nextEtag.get()!);
      }
    });
    // IMMEDIATE takes the write lock before the eTag checks, so no other connection can
    // change a row between our check and our write.
    withBusyRetry(() => writeAll.immediate());
  }

  /** The stored JSON of one item, without its eTag (for DurableConversationState's change check). */
  async readJson(key: string): Promise<string | undefined> {
    return this.selectItem.get(key)?.value;
  }

  /** Stores an item's JSON as it is, under a new eTag: a last-writer-wins write, like BotState's eTag '*'. */
  async writeJson(key: string, json: string): Promise<void> {
    withBusyRetry(() => this.upsertWithNewEtag.immediate(key, json));
  }

  async delete(keys: string[]): Promise<void> {
    if (!keys) throw new ReferenceError('Keys are required when deleting.');
    withBusyRetry(() =>
      this.db.transaction(() => {
        for (const key of keys) this.remove.run(key);
      }).immediate(),
    );
  }
}
