// The PostgreSQL backend of the store ports (DATABASE_URL), on the pool the coordination opened and
// migrated (bot/coordination/postgres): one database, one schema (migrations/), one pool per instance.
import type pg from 'pg';
import type { Stores } from '../ports';
import { PostgresAgentSessions } from './agentSessions';
import { PgDb } from './db';
import { PostgresStorage } from './dialogState';
import { PostgresHandoffStore } from './handoff';
import { PostgresKakao } from './kakao';
import { PostgresOutbox } from './outbox';
import { PostgresReferences } from './references';
import { PostgresTalkTalk } from './talkTalk';
import { PostgresTranscriptStore } from './transcripts';
import { PostgresWebChat } from './webChat';

/** The stores on a migrated pool; closing them leaves the pool to its owner. */
export function openPostgresStores(pool: pg.Pool): Stores {
  const db = new PgDb(pool);
  return {
    dialogState: new PostgresStorage(db),
    transcripts: new PostgresTranscriptStore(db),
    references: new PostgresReferences(db),
    handoff: new PostgresHandoffStore(db),
    agentSessions: new PostgresAgentSessions(db),
    outbox: new PostgresOutbox(db),
    webChat: new PostgresWebChat(db),
    kakao: new PostgresKakao(db),
    talkTalk: new PostgresTalkTalk(db),
    unitOfWork: db.unitOfWork,
    jobs: [],
    close: async () => undefined,
  };
}
