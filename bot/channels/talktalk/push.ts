// One outbox attempt: an activity becomes its send-API bodies (render.ts, checked against the limits),
// posted in order. An activity that needs several bodies remembers, by its stable id, how many already
// went out, so a retry sends only the rest. Handover requests are activities too (`talktalk.handover`):
// they keep their place after the summary the seller was sent.
import type { Activity } from 'botbuilder';
import type { Logger } from '../../logger';
import type { SendBody } from './contract';
import { checked, render } from './render';
import type { TalkTalkSendApi } from './sendApi';

export const HANDOVER_EVENT = 'talktalk.handover';
/** channelData flag: a push to the Naver app (bot-initiated messages: agent replies, notices). */
export const NOTIFY = 'talktalkNotification';

export interface PushDeps {
  api: TalkTalkSendApi;
  logger: Logger;
  publicBaseUrl?: string;
  /** The partner id for handover requests (TALKTALK_PARTNER_ID, or the one seen on incoming events). */
  partner: () => string | undefined;
  /** Said instead of a body that does not fit the limits and has no text of its own. */
  fallbackText: string;
}

/** Remembered partial progress (bodies sent per activity id); a handful are enough, retries come soon. */
const REMEMBERED = 1000;

export class TalkTalkPush {
  private readonly sent = new Map<string, number>();

  constructor(private readonly deps: PushDeps) {}

  bodies(activity: Partial<Activity>, user: string): SendBody[] {
    if (activity.type === 'event' && activity.name === HANDOVER_EVENT) {
      const control = (activity.value as { control?: unknown } | undefined)?.control;
      const partner = this.deps.partner();
      const options = control === 'takeThread' ? ({ control: 'takeThread', metadata: '' } as const) : ({ control: 'passThread', targetId: 1 } as const);
      return [{ event: 'handover', user, ...(partner ? { partner } : {}), options }];
    }
    if (activity.type && activity.type !== 'message') return [];
    const notification = (activity.channelData as Record<string, unknown> | undefined)?.[NOTIFY] === true;
    const bodies = render(activity, user, { publicBaseUrl: this.deps.publicBaseUrl, notification });
    return checked(bodies, activity.text || this.deps.fallbackText, this.deps.logger);
  }

  async push(user: string, activity: Partial<Activity>, signal: AbortSignal): Promise<void> {
    const bodies = this.bodies(activity, user);
    const key = activity.id;
    let done = (key && this.sent.get(key)) || 0;
    for (const body of bodies.slice(done)) {
      await this.deps.api.post(body, signal);
      done += 1;
      if (key && done < bodies.length) {
        this.sent.delete(key);
        this.sent.set(key, done);
        if (this.sent.size > REMEMBERED) this.sent.delete(this.sent.keys().next().value!);
      }
    }
    if (key) this.sent.delete(key);
  }
}
