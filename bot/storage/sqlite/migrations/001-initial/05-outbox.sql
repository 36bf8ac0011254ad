-- legacy: outbox/001-create
CREATE TABLE outbox_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  service_url TEXT NOT NULL,
  audience TEXT,
  activity_id TEXT NOT NULL UNIQUE,
  activity TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX outbox_messages_conversation ON outbox_messages (conversation_id, status, id);
CREATE INDEX outbox_messages_due ON outbox_messages (status, next_attempt_at);
