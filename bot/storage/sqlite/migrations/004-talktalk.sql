-- Naver TalkTalk (bot/channels/talktalk): webhook events stored before their 200 and run afterwards in
-- order per conversation (deleted once run; `failed` marks one given up), and who owns each chat.
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
