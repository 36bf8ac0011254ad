// Kakao signs nothing: a skill call is trusted by the secret header configured in the skill's settings,
// compared in constant time (digests of equal length, so the secret's length does not leak either), and,
// when KAKAO_BOT_ID is set, by the bot it names.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { KakaoSettings } from './config';

export type Verdict = { ok: true } | { ok: false; status: 401 | 403; code: string; message: string };

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export class SkillAuth {
  private readonly expected: Buffer;

  constructor(private readonly settings: Pick<KakaoSettings, 'skillHeader' | 'secret' | 'botId'>) {
    this.expected = digest(settings.secret);
  }

  /** The secret header; a repeated header (an array) is refused. */
  checkSecret(headers: Record<string, string | string[] | undefined>): Verdict {
    const given = headers[this.settings.skillHeader];
    if (typeof given !== 'string' || !timingSafeEqual(digest(given), this.expected)) {
      return { ok: false, status: 401, code: 'Unauthorized', message: `missing or wrong ${this.settings.skillHeader} header` };
    }
    return { ok: true };
  }

  /** The call's bot (already without the development channel's "!") must be ours, when ours is configured. */
  checkBot(botId: string | undefined): Verdict {
    if (this.settings.botId && botId !== this.settings.botId) {
      return { ok: false, status: 403, code: 'Forbidden', message: 'the skill call is for another bot (bot.id)' };
    }
    return { ok: true };
  }
}
