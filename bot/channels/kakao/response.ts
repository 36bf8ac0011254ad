// What the skill answers (SkillResponse 2.0), as a zod schema of the documented limits for the components
// this bot sends. Every response is checked against it before it leaves (render.ts).
import { z } from 'zod';

/** Documented limits (kakao-openbuilder.md §3.4, §9). Lengths are UTF-16 units: never fewer than characters. */
export const LIMITS = {
  outputs: 3,
  quickReplies: 10,
  simpleText: 1000,
  /** Not a limit: a longer bubble is folded behind "전체 보기", so merged texts stay under it where they can. */
  simpleTextFolded: 500,
  altText: 50,
  cardTitle: 50,
  textCardDescription: 400,
  basicCardDescription: 230,
  buttons: 3,
  buttonLabel: 14,
  /** Undocumented today (14 in older docs): kept to 14. */
  quickReplyLabel: 14,
  /** The whole response; above it Kakao answers nothing. */
  responseBytes: 30_000,
} as const;

const httpUrl = z.url({ protocol: /^https?$/ }).max(2000);

const button = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('message'), label: z.string().min(1).max(LIMITS.buttonLabel), messageText: z.string().min(1).max(1000), extra: z.record(z.string(), z.unknown()).optional() }),
  z.strictObject({ action: z.literal('webLink'), label: z.string().min(1).max(LIMITS.buttonLabel), webLinkUrl: httpUrl }),
  z.strictObject({ action: z.literal('phone'), label: z.string().min(1).max(LIMITS.buttonLabel), phoneNumber: z.string().min(1).max(30) }),
  z.strictObject({ action: z.literal('operator'), label: z.string().min(1).max(LIMITS.buttonLabel) }),
]);
export type KakaoButton = z.infer<typeof button>;

const buttons = z.array(button).min(1).max(LIMITS.buttons).optional();
const buttonLayout = z.literal('vertical').optional();

const simpleText = z.strictObject({ text: z.string().min(1).max(LIMITS.simpleText) });
const simpleImage = z.strictObject({ imageUrl: httpUrl, altText: z.string().min(1).max(LIMITS.altText) });
const textCard = z
  .strictObject({
    title: z.string().min(1).max(LIMITS.cardTitle).optional(),
    description: z.string().min(1).max(LIMITS.textCardDescription).optional(),
    buttons,
    buttonLayout,
  })
  .refine((card) => card.title !== undefined || card.description !== undefined, 'a textCard needs a title or a description')
  .refine((card) => (card.title?.length ?? 0) + (card.description?.length ?? 0) <= LIMITS.textCardDescription, 'title and description together are shown up to 400 characters');
const basicCard = z.strictObject({
  title: z.string().min(1).max(LIMITS.cardTitle).optional(),
  description: z.string().min(1).max(LIMITS.basicCardDescription).optional(),
  thumbnail: z.strictObject({ imageUrl: httpUrl, altText: z.string().max(LIMITS.altText).optional(), fixedRatio: z.boolean().optional() }),
  buttons,
  buttonLayout,
});

export const outputSchema = z.union([
  z.strictObject({ simpleText }),
  z.strictObject({ simpleImage }),
  z.strictObject({ textCard }),
  z.strictObject({ basicCard }),
]);
export type KakaoOutput = z.infer<typeof outputSchema>;

export const quickReplySchema = z.strictObject({
  label: z.string().min(1).max(LIMITS.quickReplyLabel),
  action: z.literal('message'),
  messageText: z.string().min(1).max(1000),
  extra: z.record(z.string(), z.unknown()).optional(),
});
export type KakaoQuickReply = z.infer<typeof quickReplySchema>;

export const skillResponseSchema = z.union([
  z.strictObject({
    version: z.literal('2.0'),
    template: z.strictObject({
      outputs: z.array(outputSchema).min(1).max(LIMITS.outputs),
      quickReplies: z.array(quickReplySchema).min(1).max(LIMITS.quickReplies).optional(),
    }),
  }),
  // The 5-second rule: the real answer follows on the callback URL; `data.text` feeds the waiting bubble.
  z.strictObject({ version: z.literal('2.0'), useCallback: z.literal(true), data: z.strictObject({ text: z.string().min(1).max(LIMITS.simpleText) }) }),
]);
export type SkillResponse = z.infer<typeof skillResponseSchema>;

export function responseBytes(response: unknown): number {
  return Buffer.byteLength(JSON.stringify(response), 'utf8');
}

/** Why a response would be refused, or undefined when it is within every documented limit. */
export function responseProblem(response: unknown): string | undefined {
  const parsed = skillResponseSchema.safeParse(response);
  if (!parsed.success) return parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'response'}: ${i.message}`).join('; ');
  const bytes = responseBytes(response);
  return bytes > LIMITS.responseBytes ? `${bytes} bytes, over ${LIMITS.responseBytes}` : undefined;
}
