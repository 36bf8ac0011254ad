// botbuilder Storage in PostgreSQL, with the SQLite store's behaviour (sqlite/dialogState.ts): eTags from
// one sequence, a conflicting eTag rejects the whole write, values kept as the exact JSON text written.
import type { StoreItems } from 'botbuilder';
import type { DialogStateStore } from '../ports';
import type { Executor, PgDb } from './db';

const UPSERT = `INSERT INTO storage (key, value, etag) VALUES ($1, $2, nextval('storage_etag'))
  ON CONFLICT (key) DO UPDATE SET value = excluded.value, etag = excluded.etag`;

export class PostgresStorage implements DialogStateStore {
  constructor(private readonly db: PgDb) {}

  async read(keys: string[]): Promise<StoreItems> {
    if (!keys) throw new ReferenceError('Keys are required when reading.');
    const items: StoreItems = {};
    if (keys.length === 0) return items;
    // One statement: the keys come from one snapshot.
    const rows = await this.db.rows<{ key: string; value: string; etag: string }>(
      'SELECT key, value::text AS value, etag FROM storage WHERE key = ANY($1::text[])',
      [keys],
    );
    const byKey = new Map(rows.map((row) => [row.key, row]));
    for (const key of keys) {
      const row = byKey.get(key.replaceAll('\0', '\uFFFD'));
      if (row) items[key] = { ...JSON.parse(row.value), eTag: row.etag };
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    if (!changes) throw new ReferenceError('Changes are required when writing.');
    const entries = Object.entries(changes);
    for (const [key, item] of entries) {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new TypeError(`Storage: item for "${key}" must be an object.`);
    }
    await this.db.transaction(async (tx) => {
      for (const [key, item] of entries) {
        const { eTag, ...value } = item as { eTag?: unknown };
        // FOR UPDATE: no other writer changes the row between this check and the write.
        const stored = await tx.row<{ etag: string }>('SELECT etag FROM storage WHERE key = $1 FOR UPDATE', [key]);
        if (stored && eTag && eTag !== '*' && eTag !== stored.etag) throw new Error(`Storage: error writing "${key}" due to eTag conflict.`);
        await upsert(tx, key, JSON.stringify(value));
      }
    });
  }

  async readJson(key: string): Promise<string | undefined> {
    return (await this.db.row<{ value: string }>('SELECT value::text AS value FROM storage WHERE key = $1', [key]))?.value;
  }

  async writeJson(key: string, json: string): Promise<void> {
    await upsert(this.db, key, json);
  }

  async delete(keys: string[]): Promise<void> {
    if (!keys) throw new ReferenceError('Keys are required when deleting.');
    await this.db.query('DELETE FROM storage WHERE key = ANY($1::text[])', [keys.map((key) => key.replaceAll('\0', '\uFFFD'))]);
  }
}

function upsert(db: Executor, key: string, json: string): Promise<unknown> {
  return db.query(UPSERT, [key, json]);
}
