// The shape of the answer files. Keys and their placeholders are the contract between the dialogs
// and the texts: a file may reword any answer, but not drop one or use a placeholder the code never fills.
import { z } from 'zod';
import { IN_SCOPE_INTENTS } from '../intents/intentIds';

export const LANGUAGES = ['ko', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const text = z.string().trim().min(1);
export const localizedText = z.strictObject({ ko: text, en: text });
export type LocalizedText = z.infer<typeof localizedText>;

/** Every answer key the code uses, with the placeholders the code fills in. */
export const RESPONSE_PLACEHOLDERS = {
  welcome: [],
  help: [],
  menu_prompt: [],
  noise: [],
  non_text: [],
  turn_error: [],
  cancel_done: [],
  cancel_nothing: [],
  thanks: [],
  reprompt: [],
  message_truncated: ['max'],
  not_understood: [],
  offer_declined: [],
  'greeting.reply': [],
  'button.yes': [],
  'button.no': [],
  'button.agent': [],
  'button.menu': [],
  'button.cancel': [],
  'delete_product.steps': [],
  'delete_product.ask_resolved': [],
  'delete_product.resolved': [],
  'delete_problem.ask': [],
  'delete_problem.offer_agent': [],
  'restore.policy': [],
  'restore.prepare': [],
  'restore.offer_agent': [],
  'notice.answer': [],
  'prepare.checklist': [],
  'channels.intro': [],
  'channels.advice': [],
  'channels.chat_here': [],
  'wait.answer': [],
  'wait.queue_now': ['waiting', 'wait'],
  'hours.always': [],
  'hours.schedule': ['schedule'],
  'hours.open_now': [],
  'hours.closed_now': ['next'],
  'hours.holiday_today': [],
  'handoff.queued': ['position', 'wait'],
  'handoff.no_agents_online': [],
  'handoff.invite_details': [],
  'handoff.no_match': [],
  'handoff.position_update': ['position', 'wait'],
  'handoff.wait_exceeded': [],
  'handoff.left_queue': [],
  'handoff.already_waiting': ['position'],
  'handoff.agent_joined': ['agent'],
  'handoff.agent_prefix': ['agent'],
  'handoff.closed_summary': ['agent', 'date', 'caseNumber'],
  'handoff.ended_by_seller': [],
  'handoff.out_of_hours': ['schedule'],
  'handoff.ticket_prompt': [],
  'handoff.ticket_saved': ['caseNumber'],
  'handoff.timeout': [],
  'handoff.closed_while_waiting': ['schedule'],
  'handoff.channel_unsupported': [],
  'handoff.too_many_requests': [],
  'handoff.offer_prompt': [],
  'handoff.agent_message_failed': [],
  'handoff.wait_minutes': ['minutes'],
  'handoff.message_received': [],
  'handoff.ticket_cancelled': [],
} as const satisfies Record<string, readonly string[]>;

export type ResponseKey = keyof typeof RESPONSE_PLACEHOLDERS;
export const RESPONSE_KEYS = Object.keys(RESPONSE_PLACEHOLDERS) as ResponseKey[];

/** Exhaustive: zod requires every key and rejects unknown ones. */
export const responsesSchema = z.record(z.enum(RESPONSE_KEYS), localizedText);

export const menuSchema = z
  .array(z.strictObject({ intent: z.enum(IN_SCOPE_INTENTS), label: localizedText }))
  .min(1);

export const PROBLEM_IDS = ['error', 'button', 'still_visible', 'partial', 'other'] as const;
export type ProblemId = (typeof PROBLEM_IDS)[number];
export const problemsSchema = z.array(
  z.strictObject({ id: z.enum(PROBLEM_IDS), label: localizedText, checks: localizedText }),
);

export const CHANNEL_IDS = ['phone', 'chat', 'email', 'inquiry'] as const;
export type ChannelId = (typeof CHANNEL_IDS)[number];
export const channelsSchema = z.array(
  z.strictObject({
    id: z.enum(CHANNEL_IDS),
    name: localizedText,
    typicalResponse: localizedText,
    whereToFind: localizedText,
    withValue: z.strictObject({ ko: text.includes('{value}'), en: text.includes('{value}') }),
  }),
);

export const cannedSchema = z.array(
  z.strictObject({ id: z.string().regex(/^[a-z0-9_]+$/), title: localizedText, text: localizedText }),
);

export type MenuEntry = z.infer<typeof menuSchema>[number];
export type Problem = z.infer<typeof problemsSchema>[number];
export type Channel = z.infer<typeof channelsSchema>[number];
export type CannedReply = z.infer<typeof cannedSchema>[number];
