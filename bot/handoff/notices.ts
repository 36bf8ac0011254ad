// What the handoff says to sellers: texts in their language, how an agent is named, the other ways to
// reach the customer center, and dates in the support time zone.
import type { Activity } from 'botbuilder';
import { type Knowledge, type Language, type ResponseKey, type TemplateValues, render } from '../../knowledge';
import type { Config } from '../config';
import { LOCAL_AGENT_NAME } from './agents/auth';

export function iso(date: Date): string {
  return date.toISOString();
}

export class Notices {
  constructor(
    private readonly knowledge: Knowledge,
    private readonly config: Config,
  ) {}

  text(key: ResponseKey, language: Language, values?: TemplateValues): string {
    return this.knowledge.text(key, language, values);
  }

  message(key: ResponseKey, language: Language, values?: TemplateValues): Partial<Activity> {
    return { type: 'message', text: this.text(key, language, values) };
  }

  /** How sellers see an agent: by name, or as "고객센터 상담사" while the local agent has chosen no name. */
  agentFacing(agent: string, language: Language): { name: string; prefix: string; joined: string } {
    if (agent !== LOCAL_AGENT_NAME) {
      return { name: agent, prefix: this.text('handoff.agent_prefix', language, { agent }), joined: this.text('handoff.agent_joined', language, { agent }) };
    }
    return {
      name: this.text('handoff.unnamed_agent', language),
      prefix: this.text('handoff.agent_prefix_unnamed', language),
      joined: this.text('handoff.agent_joined_unnamed', language),
    };
  }

  waitText(minutes: number, language: Language): string {
    return this.text('handoff.wait_minutes', language, { minutes: Math.max(1, Math.round(minutes)) });
  }

  /** The other ways to reach the customer center: configured values first, else where to find them. */
  alternatives(language: Language): Partial<Activity> {
    const { SUPPORT_PHONE, SUPPORT_EMAIL, SUPPORT_INQUIRY_URL } = this.config;
    const values: Record<string, string | undefined> = { phone: SUPPORT_PHONE, email: SUPPORT_EMAIL, inquiry: SUPPORT_INQUIRY_URL };
    const lines = this.knowledge.channels
      .filter((c) => c.id !== 'chat')
      .map((c) => {
        const value = values[c.id];
        const main = value ? render(c.withValue[language], { value }) : `${c.name[language]}: ${c.whereToFind[language]}`;
        return `• ${main} (${c.typicalResponse[language]})`;
      });
    return { type: 'message', text: lines.join('\n') };
  }

  /** The chat's end: who helped, when, and the case number to quote later. */
  closedSummary(agent: string, language: Language, at: Date, caseNumber: string): Partial<Activity> {
    return this.message('handoff.closed_summary', language, { agent: this.agentFacing(agent, language).name, date: this.formatDate(at), caseNumber });
  }

  /**
   * "2026-05-01 14:32 (Asia/Seoul)". Local dates and times come from the business hours, so
   * SUPPORT_TIMEZONE is formatted in one place (its per-minute cache also answers caseDate(now) right
   * after request() asked isOpen(now)).
   */
  formatDate(date: Date): string {
    const hours = this.config.businessHours;
    const local = hours.localDateTime(date);
    return `${local.date} ${local.time} (${hours.timeZone})`;
  }

  /** "260501" */
  caseDate(date: Date): string {
    return this.config.businessHours.localDateTime(date).date.slice(2).replaceAll('-', '');
  }
}
