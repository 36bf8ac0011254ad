-- legacy: conversation-references/002-channel-key
-- Rows written before the channel was part of the key get the channel their reference names
-- (url_origin is registered by the runner).
CREATE TABLE conversation_references_by_channel (
  channel_id TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  service_origin TEXT NOT NULL,
  reference TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (channel_id, conversation_id)
);
INSERT INTO conversation_references_by_channel (channel_id, conversation_id, service_origin, reference, updated_at)
  SELECT COALESCE(json_extract(reference, '$.channelId'), ''), conversation_id,
         url_origin(json_extract(reference, '$.serviceUrl')), reference, updated_at
  FROM conversation_references;
DROP TABLE conversation_references;
ALTER TABLE conversation_references_by_channel RENAME TO conversation_references;
