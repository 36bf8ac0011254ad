export const IN_SCOPE_INTENTS = [
  'delete_product',
  'delete_problem',
  'restore_product',
  'customer_notice',
  'prepare_info',
  'contact_channels',
  'wait_time',
  'hours',
  'agent',
  'greeting',
  'thanks',
  'cancel',
] as const;

export const INTENTS = [...IN_SCOPE_INTENTS, 'none'] as const;

export type Intent = (typeof INTENTS)[number];
export type InScopeIntent = (typeof IN_SCOPE_INTENTS)[number];

export function isIntent(value: string): value is Intent {
  return (INTENTS as readonly string[]).includes(value);
}
