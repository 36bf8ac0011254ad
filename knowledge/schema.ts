// The shape of the answer files. Keys and their placeholders are the contract between the dialogs
// and the texts: a file may reword any answer, but not drop one or use a placeholder the code never fills.
import { z } from 'zod';
import { IN_SCOPE_INTENTS } from '../intents/intentIds';
import { OUT_OF_SCOPE_TOPICS } from '../intents/reading';

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
  'handoff.invite_details': [],
  'handoff.no_match': [],
  'handoff.position_update': ['position', 'wait'],
  'handoff.position_update_no_agents': ['position'],
  'wait.queue_no_agents': ['waiting'],
  'handoff.wait_exceeded': [],
  'handoff.left_queue': [],
  'handoff.already_waiting': ['position'],
  'handoff.agent_joined': ['agent'],
  'handoff.agent_prefix': ['agent'],
  'handoff.unnamed_agent': [],
  'handoff.agent_joined_unnamed': [],
  'handoff.agent_prefix_unnamed': [],
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
  farewell: [],
  identity: [],
  unresolved: [],
  clarify: [],
  'handoff.named_topic': ['topic'],
  'handoff.apology': [],
  'handoff.leave_hint': [],
  'handoff.queued_no_agents': ['position'],
  'handoff.still_in_line': ['position'],
  'button.leave_queue': [],
  'kakao.more': [],
  'kakao.ack': [],
  'kakao.wait': [],
  'kakao.still_working': [],
  'kakao.nothing_waiting': [],
  'kakao.replies_on_next_message': [],
  'kakao.operator_offer': [],
  'kakao.operator_summary': ['summary'],
  'kakao.too_fast': [],
  'handoff.platform_transferred': ['summary'],
  'handoff.platform_closed': ['caseNumber'],
  'button.end_chat': [],
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

/** Facet texts: delete_problem's are problems.json and the contact channels' are channels.json, so those are not here. */
const facetTexts = <const F extends readonly string[]>(facets: F) => z.strictObject(Object.fromEntries(facets.map((f) => [f, localizedText])) as Record<F[number], typeof localizedText>);
export const facetsSchema = z.strictObject({
  delete_product: facetTexts(['bulk', 'where', 'data_loss'] as const),
  restore_product: facetTexts(['deadline', 'self', 'who', 'send'] as const),
  customer_notice: facetTexts(['how_to_tell', 'buyers_see', 'notified'] as const),
  prepare_info: facetTexts(['screenshot', 'order', 'login', 'product', 'date'] as const),
  contact_channels: facetTexts(['where'] as const),
  wait_time: facetTexts(['phone', 'chat', 'email', 'inquiry'] as const),
  hours: facetTexts(['weekend', 'holiday', 'night', 'now'] as const),
});
export type FacetTexts = z.infer<typeof facetsSchema>;

/** How the bot names a seller-center topic it does not cover, in the handoff ("정산 문의는 상담사가…"). */
export const outOfScopeSchema = z.strictObject(Object.fromEntries(OUT_OF_SCOPE_TOPICS.map((t) => [t, localizedText])) as Record<(typeof OUT_OF_SCOPE_TOPICS)[number], typeof localizedText>);
