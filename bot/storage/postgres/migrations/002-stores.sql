-- Everything durable, as the SQLite backend has it (bot/storage/sqlite/migrations), in PostgreSQL's
-- types: timestamptz for times, jsonb for JSON the bot reads back (json where the exact text matters),
-- identity columns for ids, a sequence for transcript order.

-- botbuilder Storage: values as the exact JSON text written (the change check compares it).
CREATE SEQUENCE storage_etag;
CREATE TABLE storage (
  key text PRIMARY KEY,
  value json NOT NULL,
  etag bigint NOT NULL
);

-- One row per logged activity; `sequence` (one database sequence) is log order.
CREATE TABLE transcript_activities (
  sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel_id text NOT NULL,
  conversation_id text NOT NULL,
  timestamp timestamptz NOT NULL,
  role text,
  type text,
  activity jsonb NOT NULL
);
CREATE INDEX transcript_activities_conversation ON transcript_activities (channel_id, conversation_id, sequence);
CREATE INDEX transcript_activities_timestamp ON transcript_activities (timestamp);

CREATE TABLE conversation_references (
  channel_id text NOT NULL,
  conversation_id text NOT NULL,
  channel text NOT NULL,
  service_origin text NOT NULL,
  reference jsonb NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (channel_id, conversation_id)
);

CREATE TABLE outbox_messages (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conversation_id text NOT NULL,
  channel_id text NOT NULL,
  channel text NOT NULL,
  address text NOT NULL, -- opaque to the store: compared as written
  held boolean NOT NULL DEFAULT false,
  activity_id text NOT NULL UNIQUE,
  activity jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error text,
  created_at timestamptz NOT NULL
);
CREATE INDEX outbox_messages_conversation ON outbox_messages (channel, conversation_id, status, id);
CREATE INDEX outbox_messages_due ON outbox_messages (status, next_attempt_at);

CREATE TABLE handoff_sessions (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conversation_id text NOT NULL,
  channel_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('waiting', 'active', 'missed', 'closed')),
  reason text NOT NULL,
  language text NOT NULL,
  queued_at timestamptz NOT NULL,
  accepted_at timestamptz,
  closed_at timestamptz,
  closed_by text,
  agent text,
  case_number text NOT NULL UNIQUE,
  summary jsonb NOT NULL,
  estimate_minutes double precision NOT NULL,
  last_notified_position integer,
  last_notified_at timestamptz,
  wait_exceeded_notified boolean NOT NULL DEFAULT false,
  seller_acked boolean NOT NULL DEFAULT false,
  protocol boolean NOT NULL DEFAULT false
);
-- At most one open (waiting or active) session per conversation, enforced by the database itself.
CREATE UNIQUE INDEX handoff_sessions_open ON handoff_sessions (conversation_id) WHERE status IN ('waiting', 'active');
CREATE INDEX handoff_sessions_status ON handoff_sessions (status, queued_at, id);
CREATE INDEX handoff_sessions_conversation ON handoff_sessions (conversation_id, id);

CREATE TABLE handoff_tickets (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conversation_id text NOT NULL,
  channel_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('draft', 'open', 'answered', 'dismissed')),
  language text NOT NULL,
  case_number text NOT NULL UNIQUE,
  text text,
  attachments jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL,
  saved_at timestamptz
);
CREATE INDEX handoff_tickets_status ON handoff_tickets (status, saved_at);
CREATE INDEX handoff_tickets_conversation ON handoff_tickets (conversation_id, id);

CREATE TABLE handoff_agent_messages (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conversation_id text NOT NULL,
  session_id integer,
  agent text NOT NULL,
  text text NOT NULL,
  created_at timestamptz NOT NULL,
  delivered boolean NOT NULL
);
CREATE INDEX handoff_agent_messages_conversation ON handoff_agent_messages (conversation_id, id);

CREATE TABLE handoff_agent_sessions (
  id_digest text PRIMARY KEY,
  agent text NOT NULL,
  token_digest text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE TABLE webchat_conversations (
  id text PRIMARY KEY,
  user_id text NOT NULL,
  locale text,
  created_at timestamptz NOT NULL,
  started_at timestamptz,
  ended_at timestamptz,
  last_seq integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL
);
CREATE INDEX webchat_conversations_updated ON webchat_conversations (updated_at);
CREATE TABLE webchat_activities (
  conversation_id text NOT NULL REFERENCES webchat_conversations (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  type text NOT NULL,
  activity jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (conversation_id, seq)
);
CREATE TABLE webchat_uploads (
  id text PRIMARY KEY,
  conversation_id text NOT NULL REFERENCES webchat_conversations (id) ON DELETE CASCADE,
  name text NOT NULL,
  content_type text NOT NULL,
  size integer NOT NULL,
  file text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX webchat_uploads_conversation ON webchat_uploads (conversation_id);
