// botbuilder's TranscriptLoggerMiddleware, with the turn's transcript awaited inside the turn: it calls
// logActivity once per activity and does not wait for them, so the rows could land after the turn's
// unit of work ended. Here the incoming activity and everything sent, updated or deleted in the turn are
// collected in the same order and written with one awaited logActivities call at the end of the turn.
import { type Activity, ActivityEventNames, ActivityTypes, type Middleware, RoleTypes, TurnContext } from 'botbuilder';
import type { Logger } from '../logger';
import type { TranscriptRepo } from './ports';

export class TurnTranscriptLogger implements Middleware {
  constructor(
    private readonly transcripts: Pick<TranscriptRepo, 'logActivities'>,
    private readonly logger?: Pick<Logger, 'error'>,
  ) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const transcript: Partial<Activity>[] = [];
    const log = (activity: Partial<Activity>) => {
      activity.timestamp ??= new Date();
      // Skills' ContinueConversation events only start the middleware; they are not part of the conversation.
      if (activity.type === ActivityTypes.Event && activity.name === ActivityEventNames.ContinueConversation) return;
      transcript.push(activity);
    };
    if (context.activity) {
      if (!context.activity.from.role) context.activity.from.role = RoleTypes.User;
      log({ ...context.activity });
    }
    context.onSendActivities(async (_ctx, activities, nextSend) => {
      const responses = await nextSend();
      activities.forEach((activity, index) => {
        const copy = { ...activity };
        copy.id = responses?.[index]?.id ?? copy.id;
        // Some channels answer without an id: as botbuilder does, one is made from the timestamp.
        if (!copy.id) copy.id = `g_${Math.random().toString(36).slice(2, 8)}${new Date(copy.timestamp ?? Date.now()).getTime()}`;
        log(copy);
      });
      return responses;
    });
    context.onUpdateActivity(async (_ctx, activity, nextUpdate) => {
      const response = await nextUpdate();
      log({ ...activity, type: ActivityTypes.MessageUpdate });
      return response;
    });
    context.onDeleteActivity(async (_ctx, reference, nextDelete) => {
      await nextDelete();
      log(TurnContext.applyConversationReference({ type: ActivityTypes.MessageDelete, id: reference.activityId }, reference, false));
    });
    await next();
    try {
      await this.transcripts.logActivities(transcript);
    } catch (error) {
      // As botbuilder's logger: a transcript that cannot be written does not fail the seller's turn.
      this.logger?.error({ conversationId: context.activity?.conversation?.id, err: (error as Error).message }, 'transcript not written');
    }
  }
}
