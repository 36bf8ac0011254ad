// The last known reference of every conversation, kept durably so the bot (and an agent) can write to
// a seller later, after a restart too. Keyed by (channel id, conversation): two channels may use the same
// id. Each row names the channel (bot/channels) that owns the conversation and delivers to it.
import type { ConversationReference } from 'botbuilder';
import { type Database, migrate, withBusyRetry } from './storage/database';
import { webChatServiceUrlsSql } from './webchat/store';

/** How many conversations' last saved reference are remembered to skip rewriting an unchanged one. */
const REMEMBERED = 10000;

/** "http://127.0.0.1:4299" for any URL on that origin; '' when there is none. */
export function originOf(url: unknown): string {
  if (typeof url !== 'string' || !url) return '';
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

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
    // Rows written before the channel was part of the key get the channel their reference names.
    db.function('url_origin', { deterministic: true }, (url: unknown) => originOf(url));
    migrate(
      db,
      'conversation-references/002-channel-key',
      `CREATE TABLE conversation_references_by_channel (
         channel_id TEXT NOT NULL,
         conversation_id TEXT NOT NULL,
         service_origin TEXT NOT NULL,
         reference TEXT NOT NULL,
         updated_at TEXT NOT NULL,
         PRIMARY KEY (channel_id, conversation_id)
       );
       INSERT INTO conversation_references_by_channel (channel_id, conversation_id, service_origin, reference, updated_at)
         SELECT COALESCE(json_extract(reference, '$.channelId'), ''), conversation_id,
                url_origin(json_extract(reference, '$.serviceUrl')), reference, updated_at
         FROM conversation_references;
       DROP TABLE conversation_references;
       ALTER TABLE conversation_references_by_channel RENAME TO conversation_references;`,
    );
    // Rows from before the channel port: the built-in web chat's serviceUrls are its own, the rest Bot Framework's.
    migrate(
      db,
      'conversation-references/003-owning-channel',
      `ALTER TABLE conversation_references ADD COLUMN channel TEXT NOT NULL DEFAULT '';
       UPDATE conversation_references SET channel = CASE
         WHEN channel_id = 'webchat' AND json_extract(reference, '$.serviceUrl') IN (${webChatServiceUrlsSql(db)}) THEN 'webchat'
         ELSE 'botframework' END;`,
    );
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
  save(
    reference: Partial<ConversationReference>,
    { trusted = true, channel = 'botframework', origin = '' }: { trusted?: boolean; channel?: string; origin?: string } = {},
  ): boolean {
    const id = reference.conversation?.id;
    if (!id) return true;
    const channelId = reference.channelId ?? '';
    const key = `${channelId}\n${id}`;
    // The incoming activity id changes every turn but is not needed to write to the seller later;
    // without it the reference rarely changes, so most turns write nothing.
    const { activityId: _activityId, ...stable } = reference;
    const json = JSON.stringify(stable);
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

  get(channelId: string, conversationId: string): Partial<ConversationReference> | undefined {
    return this.lookup(channelId, conversationId)?.reference;
  }

  /** The reference with the name of the channel that owns the conversation. */
  lookup(channelId: string, conversationId: string): { channel: string; reference: Partial<ConversationReference> } | undefined {
    const row = this.select.get(channelId, conversationId);
    return row ? { channel: row.channel, reference: JSON.parse(row.reference) as Partial<ConversationReference> } : undefined;
  }
}
