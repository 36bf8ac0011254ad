// botbuilder Activities → send-API bodies: text as textContent (split, never cut, past the length limit),
// suggested actions as quick replies on the activity's last message, hero/thumbnail cards as
// compositeContent, images as imageContent. Every body is checked against the documented limits (zod,
// contract.ts) before it leaves; one that fails is logged and replaced by a plain text message.
import type { Activity, Attachment, CardAction } from 'botbuilder';
import type { Logger } from '../../logger';
import { type Composite, type CompositeButton, LIMITS, type QuickReply, type SendBody, sendBodySchema } from './contract';

export interface RenderOptions {
  /** Where relative links (`/webchat/uploads/…`) live; without it they cannot be sent as images or links. */
  publicBaseUrl?: string;
  /** A push to the Naver app (Naver recommends it for "your agent replied", not for direct replies). */
  notification?: boolean;
}

/** Keeps at most `max` UTF-16 units, never splitting a character; "…" marks a cut. */
export function fit(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return `${out.trimEnd()}…`;
}

/** Splits a long text into parts within `max`, at a line break or space where there is one. */
export function splitText(text: string, max: number = LIMITS.text): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let at = rest.lastIndexOf('\n', max);
    if (at < max / 2) at = rest.lastIndexOf(' ', max);
    if (at < max / 2) at = max;
    // Never between the halves of a surrogate pair.
    if (at === max && /[\uD800-\uDBFF]/.test(rest[at - 1] ?? '')) at -= 1;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^[\n ]/, '');
  }
  if (rest.trim()) parts.push(rest);
  return parts;
}

function absoluteUrl(url: unknown, base?: string): string | undefined {
  if (typeof url !== 'string' || url.length > 2048) return undefined;
  try {
    const parsed = base && url.startsWith('/') && !url.startsWith('//') ? new URL(url, base) : new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

function actionValue(action: CardAction): string {
  const value: unknown = action.value ?? action.text ?? action.title;
  return typeof value === 'string' ? value : JSON.stringify(value ?? '');
}

/** A card action as a TalkTalk button: clicks (imBack, postBack, messageBack) → TEXT with the value as code; links → LINK. */
function button(action: CardAction, titleMax: number, base?: string): CompositeButton | undefined {
  const title = fit(String(action.title || actionValue(action)).trim(), titleMax);
  if (!title) return undefined;
  if (action.type === 'openUrl') {
    const url = absoluteUrl(action.value, base);
    return url ? { type: 'LINK', data: { title, url, mobileUrl: url } } : undefined;
  }
  if (action.type === 'imBack' || action.type === 'postBack' || action.type === 'messageBack') {
    const code = actionValue(action);
    return { type: 'TEXT', data: code && code.length <= LIMITS.code ? { title, code } : { title } };
  }
  return undefined;
}

function quickReplyOf(activity: Partial<Activity>, base?: string): QuickReply | undefined {
  const buttons = (activity.suggestedActions?.actions ?? [])
    .map((a) => button(a, LIMITS.quickReplyTitle, base))
    .filter((b): b is Extract<CompositeButton, { type: 'TEXT' | 'LINK' }> => b !== undefined && b.type !== 'OPTION');
  return buttons.length ? { buttonList: buttons } : undefined;
}

const CARD_TYPES = new Set(['application/vnd.microsoft.card.hero', 'application/vnd.microsoft.card.thumbnail']);

interface CardContent {
  title?: unknown;
  subtitle?: unknown;
  text?: unknown;
  images?: { url?: unknown }[];
  buttons?: CardAction[];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

function compositeOf(card: CardContent, base?: string): Composite | undefined {
  const composite: Composite = {};
  const title = str(card.title);
  const description = [str(card.subtitle), str(card.text)].filter(Boolean).join('\n');
  if (title) composite.title = fit(title, LIMITS.compositeTitle);
  if (description) composite.description = fit(description, LIMITS.compositeDescription);
  const imageUrl = absoluteUrl(Array.isArray(card.images) ? card.images[0]?.url : undefined, base);
  if (imageUrl) composite.image = { imageUrl };
  const buttons = (Array.isArray(card.buttons) ? card.buttons : []).map((a) => button(a, LIMITS.buttonTitle, base)).filter((b) => b !== undefined);
  if (buttons.length) composite.buttonList = buttons.slice(0, LIMITS.compositeButtons);
  const parts = [composite.title, composite.description, composite.image, composite.buttonList].filter(Boolean).length;
  return (composite.title || composite.description) && parts >= 2 ? composite : undefined;
}

/** What an attachment says as plain text, when it cannot be shown as itself. */
function attachmentText(attachment: Attachment, base?: string): string {
  const card = (attachment.content ?? {}) as CardContent;
  const link = absoluteUrl(attachment.contentUrl, base);
  return [str(card.title), str(card.subtitle), str(card.text), str(attachment.name), link ?? ''].filter(Boolean).join('\n');
}

/** One of textContent / imageContent / compositeContent. */
type Content = Record<string, Record<string, unknown>>;

/** The send-API bodies for one activity, in order (none for an activity with nothing to show). */
export function render(activity: Partial<Activity>, user: string, options: RenderOptions = {}): SendBody[] {
  const base = options.publicBaseUrl;
  const contents: Content[] = [];
  for (const part of splitText(activity.text ?? '')) contents.push({ textContent: { text: part } });
  let composites: Composite[] = [];
  const flush = () => {
    for (let i = 0; i < composites.length; i += LIMITS.composites) contents.push({ compositeContent: { compositeList: composites.slice(i, i + LIMITS.composites) } });
    composites = [];
  };
  for (const attachment of activity.attachments ?? []) {
    if (!attachment || typeof attachment.contentType !== 'string') continue;
    const composite = CARD_TYPES.has(attachment.contentType) ? compositeOf((attachment.content ?? {}) as CardContent, base) : undefined;
    if (composite) {
      composites.push(composite);
      continue;
    }
    flush();
    const imageUrl = attachment.contentType.startsWith('image/') ? absoluteUrl(attachment.contentUrl, base) : undefined;
    if (imageUrl) contents.push({ imageContent: { imageUrl } });
    else for (const part of splitText(attachmentText(attachment, base))) contents.push({ textContent: { text: part } });
  }
  flush();
  const quick = quickReplyOf(activity, base);
  if (quick) {
    if (!contents.length) return [];
    const last = Object.values(contents[contents.length - 1]!)[0]!;
    last.quickReply = quick;
  }
  const sendOptions = options.notification ? { options: { notification: true } } : {};
  return contents.map((content) => ({ event: 'send', user, ...content, ...sendOptions }) as SendBody);
}

/**
 * The bodies as they may leave: each checked against the documented limits; one that fails is logged
 * (with the reason, not the text) and replaced by a plain text message within the limits.
 */
export function checked(bodies: SendBody[], fallbackText: string, logger: Logger): SendBody[] {
  return bodies.map((body) => {
    const result = sendBodySchema.safeParse(body);
    if (result.success) return result.data;
    const issues = result.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`);
    logger.error({ channelId: 'talktalk', issues }, 'talktalk: outgoing message outside the documented limits, sent as plain text');
    const user = (body as { user: string }).user;
    return { event: 'send', user, textContent: { text: fit(fallbackText.trim() || '…', LIMITS.text) } } as SendBody;
  });
}
