-- legacy: conversation-references/001-create
CREATE TABLE conversation_references (
  conversation_id TEXT PRIMARY KEY,
  reference TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
