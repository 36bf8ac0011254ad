-- legacy: handoff/002-agent-sessions
CREATE TABLE handoff_agent_sessions (
  id_digest TEXT PRIMARY KEY,
  agent TEXT NOT NULL,
  token_digest TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
