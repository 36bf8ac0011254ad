// Naver TalkTalk's inbox and chat owners in PostgreSQL (TalkTalkRepo; as sqlite/talkTalk.ts).
import type { TalkTalkEventRow, TalkTalkRepo, TalkTalkThread } from '../ports';
import { toThread } from '../sqlite/talkTalk';
import { type PgDb, epochMs } from './db';

export class PostgresTalkTalk implements TalkTalkRepo {
  constructor(private readonly db: PgDb) {}

  async addEvent(conversationId: string, event: string, receivedAt: number): Promise<number> {
    const row = await this.db.row<{ id: number }>(
      'INSERT INTO talktalk_inbox (conversation_id, event, received_at) VALUES ($1, $2, to_timestamp($3 / 1000.0)) RETURNING id',
      [conversationId, event, receivedAt],
    );
    return row!.id;
  }

  async nextEvent(conversationId: string): Promise<TalkTalkEventRow | undefined> {
    return this.db.row<TalkTalkEventRow>(
      `SELECT id, conversation_id AS "conversationId", event, ${epochMs('received_at', '"receivedAt"')}, attempts
       FROM talktalk_inbox WHERE conversation_id = $1 AND failed IS NULL ORDER BY id LIMIT 1`,
      [conversationId],
    );
  }

  async startEvent(id: number): Promise<void> {
    await this.db.query('UPDATE talktalk_inbox SET attempts = attempts + 1 WHERE id = $1', [id]);
  }

  async finishEvent(id: number, failure?: string): Promise<void> {
    // A given-up event is kept (marked) so that nothing a seller sent disappears without a trace.
    if (failure === undefined) await this.db.query('DELETE FROM talktalk_inbox WHERE id = $1', [id]);
    else await this.db.query('UPDATE talktalk_inbox SET failed = $1 WHERE id = $2', [failure.slice(0, 500), id]);
  }

  async pendingConversations(): Promise<string[]> {
    const rows = await this.db.rows<{ conversation_id: string }>(
      'SELECT conversation_id FROM talktalk_inbox WHERE failed IS NULL GROUP BY conversation_id ORDER BY min(id)',
    );
    return rows.map((r) => r.conversation_id);
  }

  async pendingCount(conversationId: string): Promise<number> {
    return (await this.db.row<{ n: number }>('SELECT count(*)::int AS n FROM talktalk_inbox WHERE conversation_id = $1 AND failed IS NULL', [conversationId]))!.n;
  }

  async thread(conversationId: string): Promise<TalkTalkThread> {
    return toThread(
      await this.db.row<{ owner: TalkTalkThread['owner']; case_number: string | null; language: string | null }>(
        'SELECT owner, case_number, language FROM talktalk_threads WHERE conversation_id = $1',
        [conversationId],
      ),
    );
  }

  async setThread(conversationId: string, thread: TalkTalkThread): Promise<void> {
    await this.db.query(
      `INSERT INTO talktalk_threads (conversation_id, owner, case_number, language, updated_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (conversation_id) DO UPDATE SET owner = excluded.owner, case_number = excluded.case_number,
         language = excluded.language, updated_at = excluded.updated_at`,
      [conversationId, thread.owner, thread.caseNumber ?? null, thread.language ?? null],
    );
  }
}
