// Shared set-up for the dialog tests: real classifier and knowledge, a stub handoff, and a small
// conversation driver that returns every reply of a turn.
import { type Activity, ActivityTypes, ConversationState, MemoryStorage, TestAdapter, type TurnContext } from 'botbuilder';
import type { Dialog } from 'botbuilder-dialogs';
import { DialogTestClient } from 'botbuilder-testing';
import { BusinessHours, parseSchedule } from '../../knowledge/hours';
import type { BotServices, DialogConfig } from '../../dialogs/services';
import { IntentClassifier } from '../../intents/classifier';
import { type Knowledge, type Language, loadKnowledge } from '../../knowledge';
import { FakeHandoff } from './fakes';

export const knowledge: Knowledge = loadKnowledge();

let classifier: IntentClassifier | undefined;
/** Trained once per test file (about half a second); call it from beforeAll. */
export function realClassifier(): IntentClassifier {
  classifier ??= IntentClassifier.fromProjectData();
  return classifier;
}

export function businessHours(schedule = 'daily 00:00-24:00', holidays: string[] = []): BusinessHours {
  return new BusinessHours(parseSchedule(schedule), 'Asia/Seoul', new Set(holidays));
}

export function testConfig(overrides: Partial<DialogConfig> = {}): DialogConfig {
  return {
    SUPPORT_PHONE: undefined,
    SUPPORT_EMAIL: undefined,
    SUPPORT_INQUIRY_URL: undefined,
    businessHours: businessHours(),
    MAX_MESSAGE_LENGTH: 2000,
    FALLBACK_HANDOFF_AFTER: 1,
    ...overrides,
  };
}

export interface TestServices extends BotServices {
  handoff: FakeHandoff;
}

export function testServices(overrides: { config?: Partial<DialogConfig>; now?: () => Date; handoff?: FakeHandoff } = {}): TestServices {
  return {
    classifier: realClassifier(),
    knowledge,
    config: testConfig(overrides.config),
    handoff: overrides.handoff ?? new FakeHandoff(),
    now: overrides.now ?? (() => new Date('2026-03-04T03:00:00Z')),
  };
}

export const LOCALES: Record<Language, string> = { ko: 'ko-KR', en: 'en-US' };

export type Reply = Partial<Activity>;
export type Said = string | Partial<Activity>;

/** A message as a seller's client sends it; plain strings get the locale of the language given. */
export function message(said: Said, language: Language = 'ko'): Partial<Activity> {
  return typeof said === 'string' ? { type: ActivityTypes.Message, text: said, locale: LOCALES[language] } : { type: ActivityTypes.Message, locale: LOCALES[language], ...said };
}

/** Drives one dialog through DialogTestClient and hands back all replies of each turn. */
export class DialogConversation {
  readonly client: DialogTestClient;

  constructor(
    dialog: Dialog,
    readonly language: Language = 'ko',
    readonly conversationState = new ConversationState(new MemoryStorage()),
  ) {
    this.client = new DialogTestClient('test', dialog, undefined, [], conversationState);
  }

  async say(said: Said, language: Language = this.language): Promise<Reply[]> {
    const replies: Reply[] = [];
    let reply = await this.client.sendActivity(message(said, language));
    while (reply) {
      replies.push(reply);
      reply = this.client.getNextReply();
    }
    return replies;
  }
}

/** Drives a whole bot (SellerBot.run) through a TestAdapter. */
export class BotConversation {
  readonly adapter: TestAdapter;

  constructor(logic: (context: TurnContext) => Promise<void>) {
    this.adapter = new TestAdapter(logic);
  }

  async send(activity: Partial<Activity>): Promise<Reply[]> {
    await this.adapter.receiveActivity(activity);
    return this.adapter.activityBuffer.splice(0);
  }

  say(said: Said, language: Language = 'ko'): Promise<Reply[]> {
    return this.send(message(said, language));
  }
}

export function texts(replies: Reply[]): string[] {
  return replies.map((r) => r.text ?? '');
}

export function buttons(reply: Reply | undefined): string[] {
  return (reply?.suggestedActions?.actions ?? []).map((a) => a.title ?? '');
}

export function menuLabels(language: Language): string[] {
  return knowledge.menu.map((m) => m.label[language]);
}

export function yesNoLabels(language: Language): string[] {
  return [knowledge.text('button.yes', language), knowledge.text('button.no', language)];
}

export function t(key: Parameters<Knowledge['text']>[0], language: Language = 'ko', values?: Parameters<Knowledge['text']>[2]): string {
  return knowledge.text(key, language, values);
}
