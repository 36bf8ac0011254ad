// A turn's botbuilder activities → one Kakao SkillResponse within the documented limits (response.ts).
// Texts become simpleText bubbles (split at paragraph, line or sentence ends to ≤ 1,000 characters, merged
// only when more than 3 would be needed), suggested actions become quick replies, hero and thumbnail cards
// become basicCard / textCard, images simpleImage. Nothing is cut: what does not fit in 3 outputs or 30 KB
// is returned as `rest` (activities again, so it survives storage and a restart) and the response offers
// "더 보기" instead of the turn's own quick replies, which move with the last piece.
import type { Activity, Attachment, CardAction, CardImage, HeroCard } from 'botbuilder';
import { type KakaoButton, type KakaoOutput, type KakaoQuickReply, LIMITS, type SkillResponse, responseBytes, responseProblem } from './response';

/** `action.clientExtra` of the "더 보기" quick reply. */
export const MORE_EXTRA = { kakao: 'more' } as const;

export interface RenderTexts {
  /** "더 보기" */
  more: string;
  /** Said when the turn said nothing (no response may have zero outputs). */
  acknowledgement: string;
  /** Replaces a response that would break a documented limit. */
  apology: string;
}

export interface RenderOptions {
  texts: RenderTexts;
  /** Relative image and link URLs are resolved against it (PUBLIC_BASE_URL); without it they are left out. */
  publicBaseUrl?: string;
  /** Told when a response had to be replaced by the apology. */
  onInvalid?: (problem: string) => void;
}

export interface Rendered {
  response: SkillResponse;
  /** What did not fit, for the next call (behind "더 보기"). */
  rest: Partial<Activity>[];
}

type Piece = Partial<Activity>;

const HERO = 'application/vnd.microsoft.card.hero';
const THUMBNAIL = 'application/vnd.microsoft.card.thumbnail';

export function render(activities: Partial<Activity>[], options: RenderOptions): Rendered {
  const pieces = activities.flatMap((activity) => piecesOf(activity, options.publicBaseUrl));
  const { outputs, used } = pack(pieces);
  let count = used[used.length - 1] ?? 0;
  let response = build(outputs, pieces, count, options);
  // The 30 KB cap: fewer outputs until it fits (each output alone is far below it).
  let kept = outputs.length;
  while (kept > 1 && responseBytes(response) > LIMITS.responseBytes) {
    kept -= 1;
    count = used[kept - 1]!;
    response = build(outputs.slice(0, kept), pieces, count, options);
  }
  const problem = responseProblem(response);
  if (problem) {
    options.onInvalid?.(problem);
    return { response: textResponse(options.texts.apology), rest: [] };
  }
  return { response, rest: pieces.slice(count) };
}

/** A response of one text bubble (the acknowledgement, the apology, the "잠시만요" of a pull). */
export function textResponse(text: string, quickReplies?: KakaoQuickReply[]): SkillResponse {
  return { version: '2.0', template: { outputs: [{ simpleText: { text: splitText(text, LIMITS.simpleText)[0] ?? '…' } }], ...(quickReplies?.length ? { quickReplies } : {}) } };
}

function build(outputs: KakaoOutput[], pieces: Piece[], count: number, options: RenderOptions): SkillResponse {
  if (outputs.length === 0) return textResponse(options.texts.acknowledgement);
  const more = count < pieces.length;
  const quickReplies = more
    ? [{ label: fitLabel(options.texts.more, LIMITS.quickReplyLabel), action: 'message' as const, messageText: options.texts.more, extra: { ...MORE_EXTRA } }]
    : quickRepliesOf(pieces[count - 1]);
  return { version: '2.0', template: { outputs, ...(quickReplies.length ? { quickReplies } : {}) } };
}

// --- activities → pieces (one bubble's worth each) ---

function piecesOf(activity: Partial<Activity>, base: string | undefined): Piece[] {
  if ((activity.type ?? 'message') !== 'message') return [];
  const pieces: Piece[] = [];
  const text = activity.text?.trim();
  if (text) for (const chunk of splitText(text, LIMITS.simpleText)) pieces.push({ type: 'message', text: chunk });
  for (const attachment of activity.attachments ?? []) pieces.push(...attachmentPieces(attachment, base));
  const actions = activity.suggestedActions?.actions ?? [];
  if (actions.length) {
    if (pieces.length === 0) return []; // buttons alone have nothing to hang on
    const last = pieces[pieces.length - 1]!;
    last.suggestedActions = { to: [], actions: [...(last.suggestedActions?.actions ?? []), ...actions] };
  }
  return pieces;
}

function attachmentPieces(attachment: Attachment, base: string | undefined): Piece[] {
  const { contentType } = attachment;
  if (contentType === HERO || contentType === THUMBNAIL) return cardPieces(attachment, base);
  const url = absoluteUrl(attachment.contentUrl, base);
  if (url && contentType?.startsWith('image/')) return [{ type: 'message', attachments: [{ contentType, contentUrl: url, name: attachment.name }] }];
  // A file: its name and link as text, so the seller can still open it.
  const label = attachment.name?.trim() || contentType || 'file';
  return url ? [{ type: 'message', text: `📎 ${label}\n${url}` }] : [];
}

/** A card whose texts fit the card's limits stays one piece; longer texts go before it as text, whole. */
function cardPieces(attachment: Attachment, base: string | undefined): Piece[] {
  const card = (attachment.content ?? {}) as Partial<HeroCard>;
  const title = card.title?.trim() ?? '';
  const description = [card.subtitle, card.text].map((s) => s?.trim()).filter(Boolean).join('\n');
  const image = card.images?.map((i: CardImage) => absoluteUrl(i.url, base)).find(Boolean);
  const descriptionMax = image ? LIMITS.basicCardDescription : LIMITS.textCardDescription - title.length;
  const fits = title.length <= LIMITS.cardTitle && description.length <= descriptionMax;
  const buttons = card.buttons ?? [];
  const onCard = buttons.slice(0, LIMITS.buttons);
  const content = {
    title: fits ? title : fitLabel(title || description, LIMITS.cardTitle),
    text: fits ? description : '',
    images: image ? [{ url: image, alt: card.images?.[0]?.alt }] : [],
    buttons: onCard,
  };
  const pieces: Piece[] = [];
  if (!fits) for (const chunk of splitText([title, description].filter(Boolean).join('\n'), LIMITS.simpleText)) pieces.push({ type: 'message', text: chunk });
  const hasCard = Boolean(content.title || content.text || content.images.length);
  if (hasCard) pieces.push({ type: 'message', attachments: [{ contentType: attachment.contentType, content }] });
  // Buttons beyond the card's three become quick replies of the card's piece.
  const extra = buttons.slice(hasCard ? LIMITS.buttons : 0).filter((b) => messageTextOf(b) !== undefined);
  if (extra.length && pieces.length) pieces[pieces.length - 1]!.suggestedActions = { to: [], actions: extra };
  return pieces;
}

// --- pieces → outputs ---

/** Pieces looked at for one answer: far more than 3 bubbles can hold (the rest waits anyway). */
const PACK_WINDOW = 200;

/**
 * Packs the pieces into at most 3 outputs: separate bubbles when they fit, else the two neighbouring texts
 * with the shortest sum merged, again and again (below the folding length first, then up to 1,000), so
 * merging stops as soon as everything fits. `used[i]` = pieces consumed by outputs 0..i.
 */
function pack(pieces: Piece[]): { outputs: KakaoOutput[]; used: number[] } {
  const isText = (p: Piece) => p.text !== undefined && !p.attachments?.length;
  const groups = pieces.slice(0, PACK_WINDOW).map((piece, i) => ({ end: i + 1, text: isText(piece) ? piece.text : undefined }));
  for (const limit of [LIMITS.simpleTextFolded, LIMITS.simpleText]) {
    while (groups.length > LIMITS.outputs) {
      let best = -1;
      let bestLength = Infinity;
      for (let i = 0; i + 1 < groups.length; i++) {
        const [a, b] = [groups[i]!, groups[i + 1]!];
        // A bubble with quick replies of its own takes no more text: those belong to its end.
        if (a.text === undefined || b.text === undefined || pieces[a.end - 1]!.suggestedActions?.actions?.length) continue;
        const length = a.text.length + 2 + b.text.length;
        if (length <= limit && length < bestLength) [best, bestLength] = [i, length];
      }
      if (best < 0) break;
      const [a, b] = [groups[best]!, groups[best + 1]!];
      groups.splice(best, 2, { end: b.end, text: `${a.text}\n\n${b.text}` });
    }
  }
  const kept = groups.slice(0, LIMITS.outputs);
  return {
    outputs: kept.map((g) => (g.text !== undefined ? { simpleText: { text: g.text } } : outputOf(pieces[g.end - 1]!))),
    used: kept.map((g) => g.end),
  };
}

function outputOf(piece: Piece): KakaoOutput {
  const attachment = piece.attachments![0]!;
  if (attachment.contentType?.startsWith('image/')) {
    return { simpleImage: { imageUrl: attachment.contentUrl!, altText: fitLabel(attachment.name?.trim() || '이미지', LIMITS.altText) } };
  }
  const card = attachment.content as { title: string; text: string; images: { url: string; alt?: string }[]; buttons: CardAction[] };
  const buttons = card.buttons.map(buttonOf).filter((b): b is KakaoButton => b !== undefined);
  const common = {
    ...(card.title ? { title: card.title } : {}),
    ...(card.text ? { description: card.text } : {}),
    ...(buttons.length ? { buttons, buttonLayout: 'vertical' as const } : {}),
  };
  const image = card.images[0];
  if (image) {
    const thumbnail = { imageUrl: image.url, ...(image.alt?.trim() ? { altText: fitLabel(image.alt.trim(), LIMITS.altText) } : {}), ...(attachment.contentType === THUMBNAIL ? { fixedRatio: true } : {}) };
    return { basicCard: { ...common, thumbnail } };
  }
  return { textCard: common };
}

/** The CardAction type of Kakao's own "connect to an agent" button (KAKAO_HANDOFF=platform). */
export const OPERATOR_ACTION = 'operator';

function buttonOf(action: CardAction): KakaoButton | undefined {
  const label = fitLabel(action.title?.trim() || String(action.value ?? ''), LIMITS.buttonLabel);
  if (!label) return undefined;
  if (action.type === OPERATOR_ACTION) return { action: 'operator', label };
  const messageText = messageTextOf(action);
  if (messageText !== undefined) return { action: 'message', label, messageText };
  const value = typeof action.value === 'string' ? action.value.trim() : '';
  if (action.type === 'call') {
    const phoneNumber = value.replace(/^tel:/i, '');
    return phoneNumber && phoneNumber.length <= 30 ? { action: 'phone', label, phoneNumber } : undefined;
  }
  if (['openUrl', 'downloadFile', 'showImage', 'playVideo', 'playAudio'].includes(action.type)) {
    const url = absoluteUrl(value, undefined);
    return url ? { action: 'webLink', label, webLinkUrl: url } : undefined;
  }
  return undefined;
}

/** What a pressed message button sends as the seller's utterance (imBack, postBack, messageBack). */
function messageTextOf(action: CardAction): string | undefined {
  if (!['imBack', 'postBack', 'messageBack'].includes(action.type)) return undefined;
  const value = action.type === 'messageBack' ? (action.text ?? action.displayText ?? action.value) : (action.value ?? action.title);
  const text = typeof value === 'string' ? value.trim() : '';
  return text && text.length <= 1000 ? text : undefined;
}

function quickRepliesOf(piece: Piece | undefined): KakaoQuickReply[] {
  const replies: KakaoQuickReply[] = [];
  for (const action of piece?.suggestedActions?.actions ?? []) {
    const messageText = messageTextOf(action);
    if (messageText === undefined) continue;
    if (replies.length === LIMITS.quickReplies) break;
    replies.push({ label: fitLabel(action.title?.trim() || messageText, LIMITS.quickReplyLabel), action: 'message', messageText });
  }
  return replies;
}

// --- text helpers ---

/** A label within `max` UTF-16 units, cut with "…" (the full value is sent as messageText anyway). */
export function fitLabel(label: string, max: number): string {
  if (label.length <= max) return label;
  return `${safeSlice(label, max - 1).trimEnd()}…`;
}

/** Splits at a paragraph, line, sentence or word end when one is in the second half of the window. Linear. */
export function splitText(text: string, max: number): string[] {
  const chunks: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const window = rest.slice(0, max);
    let cut = -1;
    for (const separator of ['\n\n', '\n', '. ', '? ', '! ', ' ']) {
      const at = window.lastIndexOf(separator);
      if (at >= max / 2) {
        cut = at + separator.length;
        break;
      }
    }
    if (cut < 0) cut = safeSlice(window, max).length;
    const chunk = rest.slice(0, cut).trim();
    if (chunk) chunks.push(chunk);
    rest = rest.slice(cut).trim();
  }
  if (rest) chunks.push(rest);
  return chunks;
}

/** The first `max` UTF-16 units, without splitting a surrogate pair. */
function safeSlice(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

function absoluteUrl(url: string | undefined, base: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = base ? new URL(url, base) : new URL(url);
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.href.length <= 2000 ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
