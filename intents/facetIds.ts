// The parts of each topic a seller may ask about (facets); their answers are in knowledge/facets.json
// and their labelled examples in intents/facets/<topic>.json.
import type { Intent } from './intentIds';

export const FACETS = {
  delete_product: ['bulk', 'where', 'data_loss'],
  delete_problem: ['error', 'button', 'partial', 'still_visible'],
  restore_product: ['deadline', 'self', 'who', 'send'],
  customer_notice: ['how_to_tell', 'buyers_see', 'notified'],
  prepare_info: ['screenshot', 'order', 'login', 'product', 'date'],
  contact_channels: ['phone', 'chat', 'email', 'inquiry', 'where'],
  wait_time: ['phone', 'chat', 'email', 'inquiry'],
  hours: ['weekend', 'holiday', 'night', 'now'],
} as const satisfies Partial<Record<Intent, readonly string[]>>;

export type FacetTopic = keyof typeof FACETS;
export const FACET_TOPICS = Object.keys(FACETS) as FacetTopic[];
