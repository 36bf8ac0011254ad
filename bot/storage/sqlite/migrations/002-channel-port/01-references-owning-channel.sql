-- legacy: conversation-references/003-owning-channel
-- Each reference names the channel (bot/channels) that owns the conversation. Rows from before the
-- channel port: the built-in web chat's serviceUrls are its own, the rest Bot Framework's.
ALTER TABLE conversation_references ADD COLUMN channel TEXT NOT NULL DEFAULT '';
UPDATE conversation_references SET channel = CASE
  WHEN channel_id = 'webchat' AND json_extract(reference, '$.serviceUrl') IN (SELECT service_url FROM webchat_conversations WHERE service_url IS NOT NULL) THEN 'webchat'
  ELSE 'botframework' END;
