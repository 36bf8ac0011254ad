// Conversation references in PostgreSQL, as sqlite/references.ts keeps them: keyed by (channel id,
// conversation), naming the owning channel; an untrusted activity may not move a conversation to
// another origin.
import type { ConversationReference } from 'botbuilder';
import { type ReferenceRepo, type ReferenceSaveOptions, type StoredReference, referenceToSave } from '../ports';
import { type PgDb, jsonb } from './db';

const UPSERT = `INSERT INTO conversation_references AS r (channel_id, conversation_id, channel, service_origin, reference, updated_at)
  VALUES ($1, $2, $3, $4, $5, now())
  ON CONFLICT (channel_id, conversation_id) DO UPDATE SET
    channel = excluded.channel, service_origin = excluded.service_origin, reference = excluded.reference, updated_at = excluded.updated_at
  WHERE $6 OR r.service_origin = '' OR excluded.service_origin = '' OR r.service_origin = excluded.service_origin`;

export class PostgresReferences implements ReferenceRepo {
  constructor(private readonly db: PgDb) {}

  async save(reference: Partial<ConversationReference>, options?: ReferenceSaveOptions): Promise<boolean> {
    const saving = referenceToSave(reference, options);
    if (!saving) return true;
    const { channelId, conversationId, channel, origin, trusted, stable } = saving;
    const { rowCount } = await this.db.query(UPSERT, [channelId, conversationId, channel, origin, jsonb(stable), trusted]);
    return rowCount === 1;
  }

  async get(channelId: string, conversationId: string): Promise<Partial<ConversationReference> | undefined> {
    return (await this.lookup(channelId, conversationId))?.reference;
  }

  async lookup(channelId: string, conversationId: string): Promise<StoredReference | undefined> {
    const row = await this.db.row<{ channel: string; reference: Partial<ConversationReference> }>(
      'SELECT channel, reference FROM conversation_references WHERE channel_id = $1 AND conversation_id = $2',
      [channelId, conversationId],
    );
    return row && { channel: row.channel, reference: row.reference };
  }
}
