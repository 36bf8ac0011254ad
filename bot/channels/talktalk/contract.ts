// Naver TalkTalk's Chat Bot API v1 as this bot uses it (/work/shared/channels/naver-talktalk.md, from
// navertalk/chatbot-api): documented values are followed exactly; incoming events are parsed tolerantly
// (an unknown or mistyped extra never fails an event), outgoing bodies strictly within the documented limits.
import { z } from 'zod';

/** The documented send API ("보내기 API"); handover requests go to the same endpoint. */
export const TALKTALK_SEND_API_URL = 'https://gw.talk.naver.com/chatbot/v1/event';

/** The documented webhook source ranges (since 2021-06-23). */
export const TALKTALK_SOURCE_RANGES = ['211.249.40.0/27', '211.249.68.0/27', '220.230.168.0/27'];

/** Documented limits, in characters. Lengths are checked as UTF-16 units, never fewer than characters. */
export const LIMITS = {
  text: 10_000,
  code: 1000,
  composites: 10,
  compositeTitle: 200,
  compositeDescription: 1000,
  compositeButtons: 10,
  elementRows: 3,
  elementText: 100,
  // The README says 10 and, in a JSON comment, 4: the smaller one is safe under both.
  elementButtonTitle: 4,
  buttonTitle: 18,
  optionButtons: 10,
  optionButtonTitle: 10,
  quickReplyTitle: 10,
} as const;

/** resultCodes the documentation lists as failures that a retry will not fix. */
export const PERMANENT_RESULT_CODES = new Set(['01', '02', 'IMG-01', 'IMG-02', 'IMG-03', 'IMG-99']);
/** "Other failure": worth another attempt. */
export const RETRY_RESULT_CODES = new Set(['99']);

// ---- incoming (webhook) ----

/** Optional fields: a value of the wrong type is read as absent rather than failing the event. */
const maybe = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);
const flag = z.preprocess((v) => v === true || v === 'true', z.boolean());

export const incomingEventSchema = z.looseObject({
  event: z.string().min(1).max(64),
  // The user's id for this partner: treated as a secret, never put in a link (format not documented).
  user: maybe(z.string().min(1).max(256).regex(/^[\x21-\x7e]+$/)),
  partner: maybe(z.string().max(64)),
  standby: flag.optional().catch(false),
  echoedEvent: maybe(z.string().max(64)),
  textContent: maybe(
    z.looseObject({
      text: maybe(z.string()),
      code: maybe(z.string()),
      inputType: maybe(z.string().max(64)),
    }),
  ),
  imageContent: maybe(z.looseObject({ imageUrl: maybe(z.string()), imageId: maybe(z.string()) })),
  options: z.looseObject({
    inflow: maybe(z.string()),
    set: maybe(z.string()),
    control: maybe(z.string()),
    metadata: maybe(z.string()),
    mobile: maybe(z.boolean()),
  }).optional().catch(undefined),
});

export type IncomingEvent = z.infer<typeof incomingEventSchema>;

/** `handover.options.metadata` is a JSON string, shown once with single quotes: read leniently. */
export function handoverMetadata(metadata: string | undefined): { managerNickname?: string } {
  if (!metadata) return {};
  for (const candidate of [metadata, metadata.replaceAll("'", '"')]) {
    try {
      const value: unknown = JSON.parse(candidate);
      if (value && typeof value === 'object') {
        const nickname = (value as { managerNickname?: unknown }).managerNickname;
        return typeof nickname === 'string' && nickname.trim() ? { managerNickname: nickname.trim().slice(0, 40) } : {};
      }
    } catch {
      // try the next reading
    }
  }
  return {};
}

// ---- outgoing (send API) ----

const text = (max: number) => z.string().min(1).max(max);
const httpUrl = z.url({ protocol: /^https?$/ }).max(2048);

const textButton = (titleMax: number) => z.strictObject({ type: z.literal('TEXT'), data: z.strictObject({ title: text(titleMax), code: text(LIMITS.code).optional() }) });
// mobileUrl is required on buttons.
const linkButton = (titleMax: number) => z.strictObject({ type: z.literal('LINK'), data: z.strictObject({ title: text(titleMax), url: httpUrl, mobileUrl: httpUrl }) });
const optionButton = z.strictObject({
  type: z.literal('OPTION'),
  data: z.strictObject({
    title: text(LIMITS.buttonTitle),
    buttonList: z.array(z.union([textButton(LIMITS.optionButtonTitle), linkButton(LIMITS.optionButtonTitle)])).min(1).max(LIMITS.optionButtons),
  }),
});

// The number of quick-reply buttons is not documented: none is imposed.
const quickReply = z.strictObject({ buttonList: z.array(z.union([textButton(LIMITS.quickReplyTitle), linkButton(LIMITS.quickReplyTitle)])).min(1) });
const image = z.union([z.strictObject({ imageUrl: httpUrl }), z.strictObject({ imageId: z.string().min(1) })]);

const elementData = z.strictObject({
  title: text(LIMITS.elementText),
  description: text(LIMITS.elementText).optional(),
  subDescription: text(LIMITS.elementText).optional(),
  image: image.optional(),
  button: z.union([textButton(LIMITS.elementButtonTitle), linkButton(LIMITS.elementButtonTitle)]).optional(),
});

const composite = z
  .strictObject({
    title: text(LIMITS.compositeTitle).optional(),
    description: text(LIMITS.compositeDescription).optional(),
    image: image.optional(),
    elementList: z.strictObject({ type: z.literal('LIST'), data: z.array(elementData).min(1).max(LIMITS.elementRows) }).optional(),
    buttonList: z.array(z.union([textButton(LIMITS.buttonTitle), linkButton(LIMITS.buttonTitle), optionButton])).min(1).max(LIMITS.compositeButtons).optional(),
  })
  .refine((c) => c.title || c.description || c.elementList, 'a composite needs a title, a description or an element list')
  .refine((c) => [c.title, c.description, c.elementList, c.image, c.buttonList].filter(Boolean).length >= 2, 'a composite needs at least two parts');

const user = z.string().min(1).max(256);
const sendOptions = z.strictObject({ notification: z.boolean().optional() }).optional();

export const sendBodySchema = z.union([
  z.strictObject({
    event: z.literal('send'),
    user,
    textContent: z.strictObject({ text: text(LIMITS.text), code: text(LIMITS.code).optional(), quickReply: quickReply.optional() }),
    options: sendOptions,
  }),
  z.strictObject({
    event: z.literal('send'),
    user,
    imageContent: z.union([
      z.strictObject({ imageUrl: httpUrl, quickReply: quickReply.optional() }),
      z.strictObject({ imageId: z.string().min(1), quickReply: quickReply.optional() }),
    ]),
    options: sendOptions,
  }),
  z.strictObject({
    event: z.literal('send'),
    user,
    compositeContent: z.strictObject({ compositeList: z.array(composite).min(1).max(LIMITS.composites), quickReply: quickReply.optional() }),
    options: sendOptions,
  }),
  z.strictObject({
    event: z.literal('handover'),
    user,
    partner: z.string().min(1).max(64).optional(),
    options: z.union([
      z.strictObject({ control: z.literal('passThread'), targetId: z.literal(1) }),
      z.strictObject({ control: z.literal('takeThread'), metadata: z.literal('') }),
    ]),
  }),
]);

export type SendBody = z.infer<typeof sendBodySchema>;
export type QuickReply = z.infer<typeof quickReply>;
export type Composite = z.infer<typeof composite>;
export type CompositeButton = NonNullable<Composite['buttonList']>[number];

/** The send API's answer: HTTP 200 with `success` (read always), `resultCode` and maybe `resultMessage`. */
export const sendResultSchema = z.looseObject({
  success: z.boolean(),
  resultCode: z.string().max(64).optional().catch(undefined),
  resultMessage: z.string().optional().catch(undefined),
});
