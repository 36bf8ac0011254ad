-- The KakaoTalk mailbox and Naver TalkTalk's inbox and chat owners, as SQLite has them
-- (sqlite/migrations/003-kakao.sql, 004-talktalk.sql); epoch-millisecond columns as timestamptz.
CREATE TABLE kakao_users (
  user_key text PRIMARY KEY,
  development boolean NOT NULL DEFAULT false,
  plusfriend_user_key text,
  language text NOT NULL DEFAULT 'ko',
  rung_at timestamptz,
  task_id text,
  updated_at timestamptz NOT NULL
);
CREATE TABLE kakao_pending (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_key text NOT NULL,
  position integer NOT NULL,
  activity_id text, -- the outbox's stable id of a pushed message: a retried push is not kept twice
  activity jsonb NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX kakao_pending_user ON kakao_pending (user_key, position, id);
CREATE UNIQUE INDEX kakao_pending_activity ON kakao_pending (user_key, activity_id);
CREATE INDEX kakao_pending_created ON kakao_pending (created_at);

CREATE TABLE talktalk_inbox (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conversation_id text NOT NULL,
  event text NOT NULL, -- as received
  received_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  failed text
);
CREATE INDEX talktalk_inbox_pending ON talktalk_inbox (conversation_id, failed, id);
CREATE TABLE talktalk_threads (
  conversation_id text PRIMARY KEY,
  owner text NOT NULL CHECK (owner IN ('bot', 'partner')),
  case_number text,
  language text,
  updated_at timestamptz NOT NULL
);
