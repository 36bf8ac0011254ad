// The short summary an agent sees in the queue: the topics the seller went through, a product number
// if one was given, and the last message.
import type { Activity } from 'botbuilder';
import type { Intent } from '../../intents/intentIds';
import type { MenuEntry } from '../../knowledge/schema';
import type { AttachmentInfo, SessionSummary } from './model';

const LAST_MESSAGE_MAX = 160;
const QUESTIONS_KEPT = 3;
/** Topics worth naming; small talk and commands are not. */
const SKIPPED_TOPICS = new Set<Intent>(['greeting', 'thanks', 'cancel', 'agent', 'none']);

// The optional separator carries its own spaces: two `\s*` side by side split a run of spaces in every
// possible way, quadratic in its length.
const KEYWORD_NUMBER = /(?:상품\s*번호|상품\s*(?:no|id)\.?|product\s*(?:no\.?|number|id|#))\s*(?:(?:는|은|:|：|#|-)\s*)?(\d[\d-]{3,18}\d)/i;
const BARE_NUMBER = /(?<![\d-])(\d{8,13})(?![\d-])/g;

/** A product number the seller typed ("상품번호 1234567890", or a bare 8–13 digit number that is not a mobile number). */
export function extractProductNumber(text: string): string | null {
  const keyword = KEYWORD_NUMBER.exec(text);
  if (keyword) return keyword[1].replace(/-/g, '');
  for (const m of text.matchAll(BARE_NUMBER)) {
    const digits = m[1];
    if (/^01[016789]/.test(digits) && (digits.length === 10 || digits.length === 11)) continue; // 010-xxxx-xxxx
    return digits;
  }
  return null;
}

export function truncate(text: string, max = LAST_MESSAGE_MAX): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Whether the seller wrote it (logged seller messages may carry no role, only the bot as recipient). */
export function isFromSeller(activity: Partial<Activity>): boolean {
  return activity.from?.role === 'user' || (activity.from?.role === undefined && activity.recipient?.role === 'bot');
}

export function attachmentsOf(activity: Partial<Activity>): AttachmentInfo[] {
  return (activity.attachments ?? [])
    .filter((a) => a && typeof a.contentType === 'string')
    .map((a) => {
      const info: AttachmentInfo = { contentType: a.contentType.slice(0, 256) };
      if (typeof a.name === 'string') info.name = a.name.slice(0, 256);
      // Inline content (data: URLs) can be huge; only links are kept.
      if (typeof a.contentUrl === 'string' && /^(https?:\/\/|\/)/i.test(a.contentUrl) && a.contentUrl.length <= 2048) info.contentUrl = a.contentUrl;
      return info;
    });
}

export interface SummaryInput {
  /** What the seller wrote, oldest first. */
  sellerTexts: string[];
  attachments: number;
  classify?: (text: string) => Intent;
  menu: MenuEntry[];
}

export function buildSummary({ sellerTexts, attachments, classify, menu }: SummaryInput): SessionSummary {
  const topics: string[] = [];
  const questions: string[] = [];
  let productNumber: string | null = null;
  for (const text of sellerTexts) {
    productNumber = extractProductNumber(text) ?? productNumber;
    if (!classify) continue;
    const intent = classify(text);
    // The agent wants what the seller asked, not "상담사 연결해 주세요" or "감사합니다".
    if (intent !== 'agent' && intent !== 'greeting' && intent !== 'thanks' && intent !== 'cancel' && text.trim().length > 1) questions.push(truncate(text, 80));
    if (SKIPPED_TOPICS.has(intent)) continue;
    const label = menu.find((m) => m.intent === intent)?.label.ko ?? intent;
    if (!topics.includes(label)) topics.push(label);
  }
  const last = [...sellerTexts].reverse().find((t) => t.trim() !== '');
  return {
    topics,
    productNumber,
    lastMessage: last ? truncate(last) : null,
    messagesWhileWaiting: 0,
    attachments,
    questions: questions.slice(-QUESTIONS_KEPT),
  };
}

/** The summary with a question the seller asked (and the bot answered) while waiting. */
export function withSellerQuestion(summary: SessionSummary, text: string): SessionSummary {
  return { ...summary, questions: [...(summary.questions ?? []), truncate(text, 80)].slice(-QUESTIONS_KEPT) };
}

/** The summary updated with a message written while waiting. */
export function withSellerMessage(summary: SessionSummary, text: string, attachments: number): SessionSummary {
  return {
    ...summary,
    productNumber: extractProductNumber(text) ?? summary.productNumber,
    lastMessage: text.trim() ? truncate(text) : summary.lastMessage,
    messagesWhileWaiting: summary.messagesWhileWaiting + 1,
    attachments: summary.attachments + attachments,
  };
}

/** One line for the agent (the console is Korean-first). */
export function describeSummary(summary: SessionSummary): string {
  const parts: string[] = [];
  if (summary.topics.length) parts.push(`주제: ${summary.topics.join(' → ')}`);
  if (summary.questions?.length) parts.push(`질문: ${summary.questions.map((q) => `"${q}"`).join(' / ')}`);
  if (summary.productNumber) parts.push(`상품번호 ${summary.productNumber}`);
  if (summary.attachments) parts.push(`첨부 ${summary.attachments}개`);
  if (summary.lastMessage) parts.push(`마지막 메시지: "${summary.lastMessage}"`);
  return parts.length ? parts.join(' · ') : '대화 내용 없음';
}
