-- legacy: handoff/001-create
CREATE TABLE handoff_sessions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('waiting', 'active', 'missed', 'closed')),
  reason TEXT NOT NULL,
  language TEXT NOT NULL,
  queued_at TEXT NOT NULL,
  accepted_at TEXT,
  closed_at TEXT,
  closed_by TEXT,
  agent TEXT,
  case_number TEXT NOT NULL UNIQUE,
  summary TEXT NOT NULL,
  estimate_minutes REAL NOT NULL,
  last_notified_position INTEGER,
  last_notified_at TEXT,
  wait_exceeded_notified INTEGER NOT NULL DEFAULT 0,
  seller_acked INTEGER NOT NULL DEFAULT 0,
  protocol INTEGER NOT NULL DEFAULT 0
);
-- At most one open (waiting or active) session per conversation, enforced by the database itself.
CREATE UNIQUE INDEX handoff_sessions_open ON handoff_sessions (conversation_id) WHERE status IN ('waiting', 'active');
CREATE INDEX handoff_sessions_status ON handoff_sessions (status, queued_at, id);
CREATE INDEX handoff_sessions_conversation ON handoff_sessions (conversation_id, id);

CREATE TABLE handoff_tickets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'answered', 'dismissed')),
  language TEXT NOT NULL,
  case_number TEXT NOT NULL UNIQUE,
  text TEXT,
  attachments TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL,
  saved_at TEXT
);
CREATE INDEX handoff_tickets_status ON handoff_tickets (status, saved_at);
CREATE INDEX handoff_tickets_conversation ON handoff_tickets (conversation_id, id);

CREATE TABLE handoff_agent_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL,
  session_id INTEGER,
  agent TEXT NOT NULL,
  text TEXT NOT NULL,
  created_at TEXT NOT NULL,
  delivered INTEGER NOT NULL
);
CREATE INDEX handoff_agent_messages_conversation ON handoff_agent_messages (conversation_id, id);
