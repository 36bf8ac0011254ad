-- legacy: webchat/001-create
CREATE TABLE webchat_conversations (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  locale TEXT,
  service_url TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  ended_at TEXT,
  last_seq INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL
);
CREATE INDEX webchat_conversations_updated ON webchat_conversations (updated_at);
CREATE TABLE webchat_activities (
  conversation_id TEXT NOT NULL REFERENCES webchat_conversations (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  activity TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
CREATE TABLE webchat_uploads (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES webchat_conversations (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  file TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX webchat_uploads_conversation ON webchat_uploads (conversation_id);
