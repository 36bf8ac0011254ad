// Hello, help and "show me the menu": a short greeting or the help text, with the topics as buttons.
import type { TurnContext } from 'botbuilder';
import { AnswerDialog } from './answerDialog';
import { sendWithMenu } from './replies';
import type { BotServices } from './services';
import { welcomedThisTurn } from './turn';

export const GREETING_DIALOG = 'greetingDialog';

// The classifier has one intent for hello and help; these words tell the two apart.
const HELP_REQUEST = /도움|도와|도음|메뉴|메누|기능|사용\s*(법|방법)|어떻게\s*써|뭐\s*(할\s*수|물어|하는)|무엇을|뭘|어떤\s*(걸|것|질문|도움)|help|menu|options?|features?|what\s+can|how\s+does/i;

export function isHelpRequest(text: string): boolean {
  return HELP_REQUEST.test(text);
}

export class GreetingDialog extends AnswerDialog {
  constructor(services: BotServices) {
    super(GREETING_DIALOG, services);
  }

  protected override async answer(context: TurnContext): Promise<void> {
    const { knowledge } = this.services;
    if (isHelpRequest(context.activity.text ?? '')) await sendWithMenu(context, knowledge, 'help');
    // The welcome that just went out already said hello and showed the menu.
    else if (!welcomedThisTurn(context)) await sendWithMenu(context, knowledge, 'greeting.reply');
  }
}
