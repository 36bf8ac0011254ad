// A fake TalkTalk chatbot platform: posts webhook events shaped like the documented examples (content type
// with charset, a Naver source address forwarded by a trusted loopback proxy), gives up after the
// documented 5-second read time-out, and never retries.
import { type HttpResult, http } from '../../support/http';

/** An address inside Naver's documented webhook ranges (211.249.40.0/27). */
export const NAVER_ADDRESS = '211.249.40.7';

export interface Posted extends HttpResult {
  ms: number;
}

export class FakePlatform {
  /** Every webhook answer, for the "answered 200 at once" checks. */
  readonly answers: Posted[] = [];

  constructor(
    private readonly botUrl: string,
    private readonly token: string,
    private readonly from = NAVER_ADDRESS,
  ) {}

  async post(event: unknown, options: { token?: string; from?: string; raw?: string } = {}): Promise<Posted> {
    const started = Date.now();
    const res = await http(`${this.botUrl}/api/talktalk/${options.token ?? this.token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json;charset=UTF-8', accept: 'application/json', 'x-forwarded-for': options.from ?? this.from },
      body: options.raw ?? JSON.stringify(event),
      signal: AbortSignal.timeout(5000),
    });
    const answer = { ...res, ms: Date.now() - started };
    this.answers.push(answer);
    return answer;
  }

  open(user: string) {
    return this.post({ event: 'open', user, options: { inflow: 'list', referer: 'https://talk.naver.com/', from: '', friend: false, under14: false, under19: false, unreadMessage: false } });
  }

  text(user: string, text: string, extra: Record<string, unknown> = {}) {
    return this.post({ event: 'send', user, textContent: { text, inputType: 'typing' }, options: { mobile: false }, ...extra });
  }

  /** The seller presses a button the bot sent (TalkTalk sends its title as text and its code). */
  press(user: string, title: string, code: string) {
    return this.post({ event: 'send', user, textContent: { text: title, code, inputType: 'button' }, options: { mobile: true } });
  }

  image(user: string, imageUrl: string) {
    return this.post({ event: 'send', user, imageContent: { imageUrl }, options: { mobile: true } });
  }

  leave(user: string) {
    return this.post({ event: 'leave', user });
  }

  friend(user: string, set: 'on' | 'off') {
    return this.post({ event: 'friend', user, options: { set } });
  }

  /** The copy TalkTalk sends of a message the bot (threadOwner the bot) or an agent (sourceId 1) sent. */
  echo(user: string, text: string, partner: string, fromAgent = false) {
    return this.post({
      event: 'echo',
      echoedEvent: 'send',
      user,
      partner,
      textContent: { text, inputType: 'typing' },
      options: { mobile: false, sourceId: fromAgent ? 1 : 10007, threadOwnerId: fromAgent ? 1 : 10007, managerNickname: fromAgent ? '상담사A' : undefined },
    });
  }

  /** A seller's message while the partner center's agents own the thread. */
  standby(user: string, text: string, partner: string) {
    return this.post({ standby: true, event: 'send', user, partner, textContent: { text, inputType: 'typing' }, options: { mobile: false } });
  }

  /** The agent pressed 상담 완료하기: control comes back to the bot. */
  handoverBack(user: string, partner: string, managerNickname: string) {
    return this.post({ event: 'handover', user, partner, options: { control: 'passThread', metadata: JSON.stringify({ managerNickname, autoEnd: false }) } });
  }
}
