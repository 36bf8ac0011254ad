// The send API client: one POST per body with the raw partner key as Authorization. What a retry may fix
// (no connection, a time-out, 5xx, 408/429, success:false with "99" or a code the docs do not list, an
// unreadable answer) throws a retryable failure; the documented permanent codes (01, 02, IMG-*) and other
// 4xx statuses throw a permanent one. Failures are logged with their resultCode and counted.
import type { Logger } from '../../logger';
import { PERMANENT_RESULT_CODES, type SendBody, sendResultSchema } from './contract';

export class SendApiFailure extends Error {
  override name = 'SendApiFailure';
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly resultCode: string,
  ) {
    super(message);
  }
}

export interface SendApiOptions {
  url: string;
  authKey: string;
  logger: Logger;
}

const RETRY_STATUS = new Set([408, 425, 429]);

export class TalkTalkSendApi {
  /** Failures by resultCode (`http-<status>`, `network` and `unreadable` for answers without one). */
  readonly failures = new Map<string, number>();

  constructor(private readonly options: SendApiOptions) {}

  async post(body: SendBody, signal: AbortSignal): Promise<void> {
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json;charset=UTF-8', accept: 'application/json', authorization: this.options.authKey },
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      throw this.failure(body, 'network', false, (error as Error).message);
    }
    const raw = await response.text().catch(() => '');
    if (response.status !== 200) {
      const permanent = response.status < 500 && !RETRY_STATUS.has(response.status);
      throw this.failure(body, `http-${response.status}`, permanent, raw.slice(0, 200));
    }
    let parsed;
    try {
      parsed = sendResultSchema.safeParse(JSON.parse(raw));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) throw this.failure(body, 'unreadable', false, raw.slice(0, 200));
    if (parsed.data.success) return;
    const code = parsed.data.resultCode ?? 'unknown';
    throw this.failure(body, code, PERMANENT_RESULT_CODES.has(code), parsed.data.resultMessage?.slice(0, 200) ?? '');
  }

  private failure(body: SendBody, resultCode: string, permanent: boolean, detail: string): SendApiFailure {
    this.failures.set(resultCode, (this.failures.get(resultCode) ?? 0) + 1);
    this.options.logger.warn(
      { channelId: 'talktalk', event: body.event, resultCode, permanent, detail, failures: this.failures.get(resultCode) },
      'talktalk: send API refused or failed',
    );
    return new SendApiFailure(`send API: ${resultCode}${detail ? ` ${detail}` : ''}`, permanent, resultCode);
  }
}
