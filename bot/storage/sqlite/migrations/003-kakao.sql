-- The KakaoTalk channel (bot/channels/kakao): per seller (botUserKey) the channel they last came through
-- and an open Event API ring, and the messages waiting for their next skill call, in `position` order.
CREATE TABLE kakao_users (
  user_key TEXT PRIMARY KEY,
  development INTEGER NOT NULL DEFAULT 0,
  plusfriend_user_key TEXT,
  language TEXT NOT NULL DEFAULT 'ko',
  rung_at INTEGER,
  task_id TEXT,
  updated_at INTEGER NOT NULL
);
CREATE TABLE kakao_pending (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_key TEXT NOT NULL,
  position INTEGER NOT NULL,
  -- The outbox's stable id of a pushed message: a retried push is not kept twice.
  activity_id TEXT,
  activity TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX kakao_pending_user ON kakao_pending (user_key, position, id);
CREATE UNIQUE INDEX kakao_pending_activity ON kakao_pending (user_key, activity_id);
CREATE INDEX kakao_pending_created ON kakao_pending (created_at);
