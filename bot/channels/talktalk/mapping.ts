// A TalkTalk webhook event → what the bot does with it: a turn (an Activity), control handed back by the
// partner center's agents, or nothing. The conversation is `talktalk:<user>` with the user id as seller id.
import type { Activity, Attachment } from 'botbuilder';
import { type IncomingEvent, handoverMetadata } from './contract';

export const CHANNEL_ID = 'talktalk';
export const BOT_ID = 'talktalk-bot';

/** Channel data key on incoming activities: what TalkTalk said beyond the text. */
export const TALKTALK_DATA = 'talktalk';

/** The event name of the agents' 상담 완료하기 (a `handover` event giving the thread back), as an activity. */
export const HANDOVER_BACK = 'talktalk.handoverBack';

export type Inbound = { kind: 'turn'; activity: Partial<Activity> } | { kind: 'ignore'; reason: string };

export function conversationIdOf(user: string): string {
  return `${CHANNEL_ID}:${user}`;
}

/** The user id back from a conversation id; undefined for another channel's id. */
export function userOf(conversationId: string): string | undefined {
  return conversationId.startsWith(`${CHANNEL_ID}:`) ? conversationId.slice(CHANNEL_ID.length + 1) || undefined : undefined;
}

/** Events the bot never answers: copies of sent messages (answering them loops), and anything while the agents own the thread. */
export function ignoredBeforeStoring(event: IncomingEvent): string | undefined {
  if (event.event === 'echo') return 'echo';
  if (event.standby) return 'standby';
  if (!['open', 'send', 'leave', 'friend', 'handover'].includes(event.event)) return `event ${event.event.slice(0, 40)}`;
  if (event.event === 'handover' && event.options?.control !== 'passThread') return 'handover without passThread';
  return undefined;
}

const IMAGE_TYPES: Record<string, string> = { png: 'image/png', gif: 'image/gif', jpg: 'image/jpeg', jpeg: 'image/jpeg' };

function imageAttachment(imageUrl: string | undefined): Attachment {
  const attachment: Attachment = { contentType: 'image/jpeg', name: 'TalkTalk image' };
  if (!imageUrl) return attachment;
  try {
    const url = new URL(imageUrl);
    const extension = /\.([a-z]+)$/i.exec(url.pathname)?.[1]?.toLowerCase();
    if (extension && IMAGE_TYPES[extension]) attachment.contentType = IMAGE_TYPES[extension];
    // Kept as the platform's link for the agent; the server never loads it.
    if (url.protocol === 'https:' || url.protocol === 'http:') attachment.contentUrl = url.href;
  } catch {
    // not a URL: the attachment stays without a link
  }
  return attachment;
}

/** The activity or action for a stored event (`id` is the inbox row, stable across a restart). */
export function toInbound(event: IncomingEvent, id: number, receivedAt: Date): Inbound {
  const user = event.user;
  if (!user) return { kind: 'ignore', reason: 'no user' };
  const base: Partial<Activity> = {
    id: `talktalk-${id}`,
    channelId: CHANNEL_ID,
    conversation: { id: conversationIdOf(user), isGroup: false, conversationType: 'personal', name: '' },
    from: { id: user, name: '', role: 'user' },
    recipient: { id: BOT_ID, name: '', role: 'bot' },
    locale: 'ko-KR',
    timestamp: receivedAt,
  };
  switch (event.event) {
    case 'open':
      return {
        kind: 'turn',
        activity: { ...base, type: 'conversationUpdate', membersAdded: [{ id: user, name: '' }], channelData: { [TALKTALK_DATA]: { event: 'open', inflow: event.options?.inflow } } },
      };
    case 'leave':
      return { kind: 'turn', activity: { ...base, type: 'endOfConversation', code: 'userLeft' } };
    case 'handover':
      return { kind: 'turn', activity: { ...base, type: 'event', name: HANDOVER_BACK, value: handoverMetadata(event.options?.metadata) } };
    case 'friend':
      return { kind: 'turn', activity: { ...base, type: 'event', name: 'talktalk.friend', value: { set: event.options?.set } } };
    case 'send': {
      if (event.imageContent) return { kind: 'turn', activity: { ...base, type: 'message', text: '', attachments: [imageAttachment(event.imageContent.imageUrl)] } };
      const content = event.textContent ?? {};
      const { text = '', code, inputType } = content;
      // A pressed button's code is the value the bot gave it (titles are cut to fit): read it as what the seller chose.
      const chosen = inputType === 'button' && code ? code : text;
      return { kind: 'turn', activity: { ...base, type: 'message', text: chosen, channelData: { [TALKTALK_DATA]: { text, code, inputType } } } };
    }
    default:
      return { kind: 'ignore', reason: `event ${event.event.slice(0, 40)}` };
  }
}
