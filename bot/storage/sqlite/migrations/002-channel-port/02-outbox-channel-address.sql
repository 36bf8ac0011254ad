-- legacy: outbox/002-channel-address
-- Outbox rows carry the channel that delivers them and its opaque address (JSON). Rows from before the
-- channel port: the built-in web chat's (its own serviceUrls) become `webchat` rows addressed by
-- conversation, every other one a `botframework` row addressed by serviceUrl and audience.
ALTER TABLE outbox_messages ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox_messages ADD COLUMN address TEXT NOT NULL DEFAULT '{}';
ALTER TABLE outbox_messages ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
UPDATE outbox_messages SET channel = 'webchat', address = json_object('conversationId', conversation_id)
  WHERE channel_id = 'webchat' AND service_url IN (SELECT service_url FROM webchat_conversations WHERE service_url IS NOT NULL);
UPDATE outbox_messages SET channel = 'botframework', address = json_object('serviceUrl', service_url, 'audience', audience)
  WHERE channel = '';
DROP INDEX outbox_messages_conversation;
CREATE INDEX outbox_messages_conversation ON outbox_messages (channel, conversation_id, status, id);
