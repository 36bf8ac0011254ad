// The SQLite backend: every store on one connection to DATA_DIR/bot.sqlite, its schema brought to the
// newest version when opened, and the WAL checkpointer beside it.
import type { Stores } from '../ports';
import { directUnitOfWork } from '../unitOfWork';
import { SqliteAgentSessions } from './agentSessions';
import { startCheckpointer } from './checkpointer';
import { type Database, closeDatabase, openDatabase } from './database';
import { SqliteStorage } from './dialogState';
import { SqliteHandoffStore } from './handoff';
import { SqliteKakao } from './kakao';
import { SqliteOutbox } from './outbox';
import { SqliteReferences } from './references';
import { SqliteTalkTalk } from './talkTalk';
import { SqliteTranscriptStore } from './transcripts';
import { SqliteWebChat } from './webChat';

export function openSqliteStores(file: string, options: { onError?: (error: Error) => void } = {}): Stores & { readonly db: Database } {
  const db = openDatabase(file);
  const checkpointer = startCheckpointer(db, { onError: options.onError });
  return {
    db,
    dialogState: new SqliteStorage(db),
    transcripts: new SqliteTranscriptStore(db),
    references: new SqliteReferences(db),
    handoff: new SqliteHandoffStore(db),
    agentSessions: new SqliteAgentSessions(db),
    outbox: new SqliteOutbox(db),
    webChat: new SqliteWebChat(db),
    kakao: new SqliteKakao(db),
    talkTalk: new SqliteTalkTalk(db),
    unitOfWork: directUnitOfWork,
    jobs: [checkpointer.job],
    async close() {
      await checkpointer.stop();
      closeDatabase(db);
    },
  };
}
