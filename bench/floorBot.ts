// The floor for the turn benchmark (npm run bench -- --floor): the least a bot can do while using what
// ours is required to use, botbuilder-dialogs with conversation state. The echo bot's server stack
// (bench/referenceServer) and adapter, with the connector clients reused as ours
// reuses them (bot/reusedClients), ConversationState over MemoryStorage saved once at the end of the
// turn, and a DialogSet with one ComponentDialog: a WaterfallDialog that sends "Answer: <text>" and asks
// "해결되셨나요?" with a TextPrompt; the seller's next message, like ours, is answered and asked again
// (the waterfall starts over). Two replies a turn, as ours sends. No NLU, no SQLite, no transcript, no
// handoff. Its ratio to echo is what the required stack alone reaches; ours/floor is what everything
// else of ours costs.  node dist/bench/floorBot.js  (PORT, default 3980)
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication, ConversationState, MemoryStorage, type TurnContext } from 'botbuilder';
import {
  ComponentDialog,
  type DialogState,
  type DialogStateManagerConfiguration,
  DialogSet,
  DialogTurnStatus,
  TextPrompt,
  WaterfallDialog,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { ClientReusingAuthentication } from '../bot/channels/botframework/reusedClients';
import { serveReferenceBot } from './referenceServer';

const FLOOR_DIALOG = 'floorDialog';
const STEPS = 'floorSteps';
const PROMPT = 'floorPrompt';

class FloorDialog extends ComponentDialog {
  constructor() {
    super(FLOOR_DIALOG);
    this.addDialog(
      new WaterfallDialog(STEPS, [
        async (step: WaterfallStepContext) => {
          await step.context.sendActivity(`Answer: ${step.context.activity.text ?? ''}`);
          return step.prompt(PROMPT, '해결되셨나요?');
        },
        async (step: WaterfallStepContext) => step.replaceDialog(STEPS),
      ]),
    );
    this.addDialog(new TextPrompt(PROMPT));
    this.initialDialogId = STEPS;
  }
}

class FloorBot extends ActivityHandler {
  private readonly dialogs: DialogSet;
  /** Reused across turns under botbuilder-dialogs' own key, as bot/sellerBot.ts does. */
  private dialogStateConfiguration?: DialogStateManagerConfiguration;

  constructor(private readonly conversationState: ConversationState) {
    super();
    this.dialogs = new DialogSet(conversationState.createProperty<DialogState>('DialogState')).add(new FloorDialog());
    this.onMessage(async (context, next) => {
      if (this.dialogStateConfiguration) context.turnState.set('DialogStateManagerConfiguration', this.dialogStateConfiguration);
      const dc = await this.dialogs.createContext(context);
      this.dialogStateConfiguration ??= dc.state.configuration;
      const result = await dc.continueDialog();
      if (result.status === DialogTurnStatus.empty) await dc.beginDialog(FLOOR_DIALOG);
      await next();
    });
  }

  /** State saved once at the end of the turn, like SellerBot.run. */
  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.conversationState.saveChanges(context, false);
  }
}

function main(): void {
  serveReferenceBot('floor-bot', 3980, new CloudAdapter(new ClientReusingAuthentication(new ConfigurationBotFrameworkAuthentication({}))), new FloorBot(new ConversationState(new MemoryStorage())));
}

if (require.main === module) main();
