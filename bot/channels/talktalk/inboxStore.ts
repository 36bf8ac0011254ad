// The TalkTalk channel's own durable state, behind a small async interface: the inbox of webhook events
// (stored before the 200, deleted once their turn ran) and the thread's owner per user (the bot, or the
// partner center's agents after a passThread).
import { type Database, migrate, withBusyRetry } from '../../storage/database';

export interface InboxRow {
  id: number;
  conversationId: string;
  /** The event as received (JSON). */
  event: string;
  receivedAt: number;
  /** Turns started for it (a crash mid-turn leaves it counted). */
  attempts: number;
}

export type ThreadOwner = 'bot' | 'partner';

/** Who owns the chat; after a passThread, the case it was recorded under and the seller's language. */
export interface Thread {
  owner: ThreadOwner;
  caseNumber?: string;
  language?: 'ko' | 'en';
}

export interface TalkTalkStore {
  addEvent(conversationId: string, event: string, receivedAt: number): Promise<number>;
  /** The conversation's oldest event not yet processed. */
  nextEvent(conversationId: string): Promise<InboxRow | undefined>;
  /** Counts a turn started for the event. */
  startEvent(id: number): Promise<void>;
  /** The event's turn ran (or was given up, with a reason kept): it leaves the inbox. */
  finishEvent(id: number, failure?: string): Promise<void>;
  pendingConversations(): Promise<string[]>;
  pendingCount(conversationId: string): Promise<number>;
  threadOwner(conversationId: string): Promise<Thread>;
  setThreadOwner(conversationId: string, thread: Thread): Promise<void>;
}

const MIGRATION = `
CREATE TABLE talktalk_inbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL,
  event TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  failed TEXT
);
CREATE INDEX talktalk_inbox_pending ON talktalk_inbox (conversation_id, failed, id);
CREATE TABLE talktalk_threads (
  conversation_id TEXT PRIMARY KEY,
  owner TEXT NOT NULL CHECK (owner IN ('bot', 'partner')),
  case_number TEXT,
  language TEXT,
  updated_at INTEGER NOT NULL
);
`;

interface Row {
  id: number;
  conversation_id: string;
  event: string;
  received_at: number;
  attempts: number;
}

export class SqliteTalkTalkStore implements TalkTalkStore {
  private readonly statements;

  constructor(db: Database) {
    migrate(db, 'talktalk/001-create', MIGRATION);
    this.statements = {
      add: db.prepare<[string, string, number]>('INSERT INTO talktalk_inbox (conversation_id, event, received_at) VALUES (?, ?, ?)'),
      next: db.prepare<[string], Row>('SELECT * FROM talktalk_inbox WHERE conversation_id = ? AND failed IS NULL ORDER BY id LIMIT 1'),
      start: db.prepare<[number]>('UPDATE talktalk_inbox SET attempts = attempts + 1 WHERE id = ?'),
      done: db.prepare<[number]>('DELETE FROM talktalk_inbox WHERE id = ?'),
      fail: db.prepare<[string, number]>('UPDATE talktalk_inbox SET failed = ? WHERE id = ?'),
      conversations: db.prepare<[], string>('SELECT conversation_id FROM talktalk_inbox WHERE failed IS NULL GROUP BY conversation_id ORDER BY MIN(id)').pluck(),
      count: db.prepare<[string], number>('SELECT COUNT(*) FROM talktalk_inbox WHERE conversation_id = ? AND failed IS NULL').pluck(),
      thread: db.prepare<[string], { owner: ThreadOwner; case_number: string | null; language: string | null }>(
        'SELECT owner, case_number, language FROM talktalk_threads WHERE conversation_id = ?',
      ),
      setThread: db.prepare<[string, ThreadOwner, string | null, string | null, number]>(
        `INSERT INTO talktalk_threads (conversation_id, owner, case_number, language, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (conversation_id) DO UPDATE SET owner = excluded.owner, case_number = excluded.case_number,
           language = excluded.language, updated_at = excluded.updated_at`,
      ),
    };
  }

  async addEvent(conversationId: string, event: string, receivedAt: number): Promise<number> {
    return Number(withBusyRetry(() => this.statements.add.run(conversationId, event, receivedAt)).lastInsertRowid);
  }

  async nextEvent(conversationId: string): Promise<InboxRow | undefined> {
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

  async threadOwner(conversationId: string): Promise<Thread> {
    const row = this.statements.thread.get(conversationId);
    if (!row) return { owner: 'bot' };
    const thread: Thread = { owner: row.owner };
    if (row.case_number) thread.caseNumber = row.case_number;
    if (row.language === 'ko' || row.language === 'en') thread.language = row.language;
    return thread;
  }

  async setThreadOwner(conversationId: string, thread: Thread): Promise<void> {
    withBusyRetry(() => this.statements.setThread.run(conversationId, thread.owner, thread.caseNumber ?? null, thread.language ?? null, Date.now()));
  }
}
