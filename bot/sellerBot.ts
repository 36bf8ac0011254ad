// The bot's turn: settle the conversation's language, welcome new sellers, screen out what the
// dialogs cannot read, then let the main dialog answer. State is saved once at the end of the turn.
import {
  ActivityHandler,
  type ConversationState,
  type StatePropertyAccessor,
  type TurnContext,
} from 'botbuilder';
import { type DialogState, type DialogStateManagerConfiguration, DialogSet, DialogTurnStatus } from '../dialogs/dialogLibrary';
import { CONVERSATION_STATE_KEY, type MainDialog } from '../dialogs/mainDialog';
import { sendText, withTopicMenu } from '../dialogs/replies';
import type { BotServices } from '../dialogs/services';
import { isNoiseTurn, markWelcomed, setPreviousTopic, setTurnLanguage, topicAfterTurn } from '../dialogs/turn';
import type { Intent } from '../intents/intentIds';
import { hasReadableContent } from '../dialogs/understanding';
import type { Language } from '../knowledge/schema';
import { languageFromLocale, nextLanguage } from '../dialogs/language';
import { TEXT_WAS_CUT, cutLongText } from './longText';

/**
 * Where every DialogStateManager of a turn looks for its memory scopes (botbuilder-dialogs' own key, the
 * one DialogManager fills). Without it the first dialog context of each turn builds the scopes afresh.
 */
const DIALOG_STATE_CONFIGURATION_KEY = 'DialogStateManagerConfiguration';

interface ConversationProfile {
  language?: Language;
  welcomed?: boolean;
  /** The topic last answered, so a short follow-up ("주말은요?") is read against it. */
  topic?: { topic: Intent; facet?: string };
}

export class SellerBot extends ActivityHandler {
  private readonly dialogs: DialogSet;
  private readonly profile: StatePropertyAccessor<ConversationProfile>;
  /** The scopes hold no per-turn data (they read it from the turn), so one set serves every turn. */
  private dialogStateConfiguration?: DialogStateManagerConfiguration;

  constructor(
    private readonly services: BotServices,
    private readonly conversationState: ConversationState,
    private readonly dialog: MainDialog,
  ) {
    super();
    this.dialogs = new DialogSet(conversationState.createProperty<DialogState>('DialogState')).add(dialog);
    this.profile = conversationState.createProperty<ConversationProfile>('conversationProfile');

    this.onMembersAdded(async (context, next) => {
      const someoneElse = (context.activity.membersAdded ?? []).some((m) => m.id !== context.activity.recipient?.id);
      if (someoneElse) {
        const profile = await this.profile.get(context, {});
        if (!profile.welcomed) {
          profile.language ??= languageFromLocale(context.activity.locale);
          await this.welcome(context, profile);
        }
      }
      await next();
    });

    this.onMessage(async (context, next) => {
      await this.answer(context);
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    context.turnState.set(CONVERSATION_STATE_KEY, this.conversationState);
    await super.run(context);
    await this.conversationState.saveChanges(context, false);
  }

  private async answer(context: TurnContext): Promise<void> {
    const profile = await this.profile.get(context, {});
    // Cut first: nothing below should read more of a message than the classifier will.
    const truncated = this.truncateLongText(context) || context.turnState.get(TEXT_WAS_CUT) === true;
    const text = context.activity.text?.trim() ?? '';
    // Mashing and "ok" say nothing about the language, so they keep the conversation's.
    const next = text && !isNoiseTurn(context) ? nextLanguage(text, profile.language) : undefined;
    profile.language = next ?? profile.language ?? languageFromLocale(context.activity.locale);
    setTurnLanguage(context, profile.language);

    // Channels that send no join event still get the welcome, before the answer to the first message.
    if (!profile.welcomed) await this.welcome(context, profile);

    if (!hasReadableContent(context)) {
      await sendText(context, this.services.knowledge, 'non_text');
      return;
    }
    if (truncated) await sendText(context, this.services.knowledge, 'message_truncated', { max: this.services.config.MAX_MESSAGE_LENGTH });
    setPreviousTopic(context, profile.topic);
    await this.runMainDialog(context);
    // A turn that answered nothing (a nudge, a handoff) keeps the topic: "주말은요?" may still follow.
    profile.topic = topicAfterTurn(context) ?? profile.topic;
  }

  private async welcome(context: TurnContext, profile: ConversationProfile): Promise<void> {
    const language = profile.language ?? languageFromLocale(context.activity.locale);
    const { knowledge } = this.services;
    await context.sendActivity(withTopicMenu(knowledge.text('welcome', language), knowledge, language));
    profile.welcomed = true;
    markWelcomed(context);
  }

  /** Keeps the message to its first MAX_MESSAGE_LENGTH characters; true when it was cut (the seller is told). */
  private truncateLongText(context: TurnContext): boolean {
    return cutLongText(context.activity, this.services.config.MAX_MESSAGE_LENGTH);
  }

  private async runMainDialog(context: TurnContext): Promise<void> {
    if (this.dialogStateConfiguration) context.turnState.set(DIALOG_STATE_CONFIGURATION_KEY, this.dialogStateConfiguration);
    const dc = await this.dialogs.createContext(context);
    this.dialogStateConfiguration ??= dc.state.configuration;
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog(this.dialog.id);
  }
}
