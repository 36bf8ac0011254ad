// What the console knows: who is signed in, the queue, the open chats, the event stream.
export const state = {
  agent: null,
  queue: { waiting: [], active: [], missed: [], tickets: [] },
  canned: [],
  chats: new Map(), // conversationId -> chat
  current: null,
  events: null,
  audio: null,
  unseen: 0,
};
