// Naver TalkTalk's own state in SQLite (migration 004-talktalk): the inbox of webhook events and who owns
// each chat (the bot, or the partner center's agents after a passThread).
import type { TalkTalkEventRow, TalkTalkRepo, TalkTalkThread } from '../ports';
import { type Database, withBusyRetry } from './database';

interface EventRow {
  id: number;
  conversation_id: string;
  event: string;
  received_at: number;
  attempts: number;
}

export class SqliteTalkTalk implements TalkTalkRepo {
  private readonly statements;

  constructor(db: Database) {
    this.statements = {
      add: db.prepare<[string, string, number]>('INSERT INTO talktalk_inbox (conversation_id, event, received_at) VALUES (?, ?, ?)'),
      next: db.prepare<[string], EventRow>('SELECT * FROM talktalk_inbox WHERE conversation_id = ? AND failed IS NULL ORDER BY id LIMIT 1'),
      start: db.prepare<[number]>('UPDATE talktalk_inbox SET attempts = attempts + 1 WHERE id = ?'),
      done: db.prepare<[number]>('DELETE FROM talktalk_inbox WHERE id = ?'),
      fail: db.prepare<[string, number]>('UPDATE talktalk_inbox SET failed = ? WHERE id = ?'),
      conversations: db.prepare<[], string>('SELECT conversation_id FROM talktalk_inbox WHERE failed IS NULL GROUP BY conversation_id ORDER BY MIN(id)').pluck(),
      count: db.prepare<[string], number>('SELECT COUNT(*) FROM talktalk_inbox WHERE conversation_id = ? AND failed IS NULL').pluck(),
      thread: db.prepare<[string], { owner: TalkTalkThread['owner']; case_number: string | null; language: string | null }>(
        'SELECT owner, case_number, language FROM talktalk_threads WHERE conversation_id = ?',
      ),
      setThread: db.prepare<[string, TalkTalkThread['owner'], string | null, string | null, number]>(
        `INSERT INTO talktalk_threads (conversation_id, owner, case_number, language, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (conversation_id) DO UPDATE SET owner = excluded.owner, case_number = excluded.case_number,
           language = excluded.language, updated_at = excluded.updated_at`,
      ),
    };
  }

  async addEvent(conversationId: string, event: string, receivedAt: number): Promise<number> {
    return Number(withBusyRetry(() => this.statements.add.run(conversationId, event, receivedAt)).lastInsertRowid);
  }

  async nextEvent(conversationId: string): Promise<TalkTalkEventRow | undefined> {
    const row = this.statements.next.get(conversationId);
    return row && { id: row.id, conversationId: row.conversation_id, event: row.event, receivedAt: row.received_at, attempts: row.attempts };
  }

  async startEvent(id: number): Promise<void> {
    withBusyRetry(() => this.statements.start.run(id));
  }

  async finishEvent(id: number, failure?: string): Promise<void> {
    // A given-up event is kept (marked) so that nothing a seller sent disappears without a trace.
    withBusyRetry(() => (failure === undefined ? this.statements.done.run(id) : this.statements.fail.run(failure.slice(0, 500), id)));
  }

  async pendingConversations(): Promise<string[]> {
    return this.statements.conversations.all();
  }

  async pendingCount(conversationId: string): Promise<number> {
    return this.statements.count.get(conversationId) ?? 0;
  }

  async thread(conversationId: string): Promise<TalkTalkThread> {
    return toThread(this.statements.thread.get(conversationId));
  }

  async setThread(conversationId: string, thread: TalkTalkThread): Promise<void> {
    withBusyRetry(() => this.statements.setThread.run(conversationId, thread.owner, thread.caseNumber ?? null, thread.language ?? null, Date.now()));
  }
}

/** A talktalk_threads row (or none: the bot owns the chat) as the port has it, on every backend. */
export function toThread(row: { owner: TalkTalkThread['owner']; case_number: string | null; language: string | null } | undefined): TalkTalkThread {
  if (!row) return { owner: 'bot' };
  const thread: TalkTalkThread = { owner: row.owner };
  if (row.case_number) thread.caseNumber = row.case_number;
  if (row.language === 'ko' || row.language === 'en') thread.language = row.language;
  return thread;
}
