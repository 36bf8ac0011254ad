// The last known reference of every conversation in SQLite, kept durably so the bot (and an agent) can
// write to a seller later, after a restart too. Keyed by (channel id, conversation): two channels may use the same
// id. Each row names the channel (bot/channels) that owns the conversation and delivers to it.
import type { ConversationReference } from 'botbuilder';
import { type ReferenceRepo, type ReferenceSaveOptions, type StoredReference, referenceToSave } from '../ports';
import { type Database, withBusyRetry } from './database';

/** How many conversations' last saved reference are remembered to skip rewriting an unchanged one. */
const REMEMBERED = 10000;

export class SqliteReferences implements ReferenceRepo {
  private readonly upsert;
  private readonly lastSaved = new Map<string, string>();
  private readonly select;

  constructor(db: Database) {
    // An unauthenticated activity may not move a conversation to another origin (a takeover): the
    // update is skipped, and save() says so, without a read before every write.
    this.upsert = db.prepare<{ channelId: string; conversationId: string; channel: string; origin: string; reference: string; at: string; trusted: number }>(
      `INSERT INTO conversation_references (channel_id, conversation_id, channel, service_origin, reference, updated_at)
       VALUES (@channelId, @conversationId, @channel, @origin, @reference, @at)
       ON CONFLICT (channel_id, conversation_id) DO UPDATE SET
         channel = excluded.channel, service_origin = excluded.service_origin, reference = excluded.reference, updated_at = excluded.updated_at
       WHERE @trusted = 1 OR conversation_references.service_origin = '' OR excluded.service_origin = ''
          OR conversation_references.service_origin = excluded.service_origin`,
    );
    this.select = db.prepare<[string, string], { channel: string; reference: string }>(
      'SELECT channel, reference FROM conversation_references WHERE channel_id = ? AND conversation_id = ?',
    );
  }

  /**
   * Saves the reference; false when it was refused: an untrusted activity (no Bot Framework
   * authentication) naming another origin (Channel.originOf: a serviceUrl's) than the one stored.
   */
  async save(reference: Partial<ConversationReference>, options?: ReferenceSaveOptions): Promise<boolean> {
    const saving = referenceToSave(reference, options);
    if (!saving) return true;
    const { channelId, conversationId: id, channel, origin, trusted } = saving;
    const key = `${channelId}\n${id}`;
    // Without the activity id the reference rarely changes, so most turns write nothing.
    const json = JSON.stringify(saving.stable);
    if (this.lastSaved.get(key) === `${channel}\n${json}`) return true;
    const changes = withBusyRetry(
      () =>
        this.upsert.run({
          channelId,
          conversationId: id,
          channel,
          origin,
          reference: json,
          at: new Date().toISOString(),
          trusted: trusted ? 1 : 0,
        }).changes,
    );
    if (changes === 0) return false;
    this.lastSaved.delete(key);
    this.lastSaved.set(key, `${channel}\n${json}`);
    if (this.lastSaved.size > REMEMBERED) this.lastSaved.delete(this.lastSaved.keys().next().value as string);
    return true;
  }

  async get(channelId: string, conversationId: string): Promise<Partial<ConversationReference> | undefined> {
    return (await this.lookup(channelId, conversationId))?.reference;
  }

  /** The reference with the name of the channel that owns the conversation. */
  async lookup(channelId: string, conversationId: string): Promise<StoredReference | undefined> {
    const row = this.select.get(channelId, conversationId);
    return row ? { channel: row.channel, reference: JSON.parse(row.reference) as Partial<ConversationReference> } : undefined;
  }
}
