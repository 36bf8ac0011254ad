// The last known reference of every conversation, kept durably so the bot (and an agent) can write to
// a seller later, after a restart too.
import type { ConversationReference } from 'botbuilder';
import { type Database, migrate, withBusyRetry } from './storage/database';

/** How many conversations' last saved reference are remembered to skip rewriting an unchanged one. */
const REMEMBERED = 10000;

export class ConversationReferences {
  private readonly upsert;
  private readonly lastSaved = new Map<string, string>();
  private readonly select;

  constructor(db: Database) {
    migrate(
      db,
      'conversation-references/001-create',
      `CREATE TABLE conversation_references (
         conversation_id TEXT PRIMARY KEY,
         reference TEXT NOT NULL,
         updated_at TEXT NOT NULL
       )`,
    );
    this.upsert = db.prepare(
      `INSERT INTO conversation_references (conversation_id, reference, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (conversation_id) DO UPDATE SET reference = excluded.reference, updated_at = excluded.updated_at`,
    );
    this.select = db.prepare<[string], { reference: string }>('SELECT reference FROM conversation_references WHERE conversation_id = ?');
  }

  save(reference: Partial<ConversationReference>): void {
    const id = reference.conversation?.id;
    if (!id) return;
    // The incoming activity id changes every turn but is not needed to write to the seller later;
    // without it the reference rarely changes, so most turns write nothing.
    const { activityId: _activityId, ...stable } = reference;
    const json = JSON.stringify(stable);
    if (this.lastSaved.get(id) === json) return;
    withBusyRetry(() => this.upsert.run(id, json, new Date().toISOString()));
    this.lastSaved.delete(id);
    this.lastSaved.set(id, json);
    if (this.lastSaved.size > REMEMBERED) this.lastSaved.delete(this.lastSaved.keys().next().value as string);
  }

  get(conversationId: string): Partial<ConversationReference> | undefined {
    const row = this.select.get(conversationId);
    return row ? (JSON.parse(row.reference) as Partial<ConversationReference>) : undefined;
  }
}
