// Moved to bot/coordination (the TurnLock port); kept until every caller imports it from there.
export type { TurnLock as ConversationQueue } from './coordination';
export { conversationKey } from './coordination';
