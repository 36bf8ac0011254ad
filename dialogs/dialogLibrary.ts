// The parts of botbuilder-dialogs this bot uses, each from its own module. The package's index also
// loads every prompt it ships, and with them Microsoft's text recognizers (numbers, dates and choices
// in a dozen languages): about 0.2 s of every start-up, for prompts the bot never uses (ButtonPrompt
// reads buttons itself). Types cost nothing at run time and still come from the index.
export { ComponentDialog } from 'botbuilder-dialogs/lib/componentDialog';
export { Dialog, DialogTurnStatus } from 'botbuilder-dialogs/lib/dialog';
export { DialogSet } from 'botbuilder-dialogs/lib/dialogSet';
export { Prompt } from 'botbuilder-dialogs/lib/prompts/prompt';
export { WaterfallDialog } from 'botbuilder-dialogs/lib/waterfallDialog';
export type {
  DialogContext,
  DialogDependencies,
  DialogInstance,
  DialogReason,
  DialogState,
  DialogStateManagerConfiguration,
  DialogTurnResult,
  PromptOptions,
  PromptRecognizerResult,
  WaterfallStepContext,
} from 'botbuilder-dialogs';
