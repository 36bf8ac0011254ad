// A fake Kakao platform (kakao-openbuilder.md §10): it sends skill requests shaped like the contract's §2.6
// example, extras of real payloads included, with the skill's secret header; aborts after 5 s; checks every
// answer against the documented limits (its own schema, written from the contract, not the bot's); turns a
// pressed quick reply into the next request; and plays the Event API and the callback URL.
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

export const SKILL_SECRET = 'kakao-skill-secret-0123456789-abcdef';
export const BOT_ID = '65a1b2c3d4e5f60718293a4b';
export const REST_API_KEY = 'kakao-rest-api-key-for-tests';
export const EVENT_NAME = 'agent_reply';

// --- the documented limits, as Kakao would check them (§3, §9, §10.3) ---
const len = (max: number) => z.string().refine((s) => [...s].length <= max, `longer than ${max} characters`);
const url = z.string().regex(/^https?:\/\/\S+$/, 'not an absolute URL');
const kakaoButton = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('webLink'), label: len(14), webLinkUrl: url }),
  z.strictObject({ action: z.literal('message'), label: len(14), messageText: z.string().min(1), extra: z.record(z.string(), z.unknown()).optional() }),
  z.strictObject({ action: z.literal('phone'), label: len(14), phoneNumber: z.string().min(1) }),
  z.strictObject({ action: z.literal('block'), label: len(14), blockId: z.string().min(1), messageText: z.string().optional(), extra: z.record(z.string(), z.unknown()).optional() }),
  z.strictObject({ action: z.literal('share'), label: len(14) }),
  z.strictObject({ action: z.literal('operator'), label: len(14) }),
]);
const cardButtons = z
  .object({ buttons: z.array(kakaoButton).max(3).optional(), buttonLayout: z.enum(['vertical', 'horizontal']).optional() })
  .refine((c) => c.buttonLayout !== 'horizontal' || (c.buttons?.length ?? 0) <= 2, 'at most 2 horizontal buttons')
  .refine((c) => c.buttonLayout !== 'horizontal' || (c.buttons ?? []).length < 2 || c.buttons!.every((b) => [...b.label].length <= 8), 'labels of 2 horizontal buttons: at most 8 characters');
const thumbnail = z.strictObject({ imageUrl: url, altText: len(50).optional(), link: z.record(z.string(), z.string()).optional(), fixedRatio: z.boolean().optional() });
const component = z.union([
  z.strictObject({ simpleText: z.strictObject({ text: z.string().min(1).pipe(len(1000)) }) }),
  z.strictObject({ simpleImage: z.strictObject({ imageUrl: url, altText: len(50).optional() }) }),
  z.strictObject({
    textCard: z
      .looseObject({ title: len(50).optional(), description: len(400).optional() })
      .refine((c) => Boolean(c.title || c.description), 'title or description required')
      .and(cardButtons),
  }),
  z.strictObject({ basicCard: z.looseObject({ title: len(50).optional(), description: len(230).optional(), thumbnail }).and(cardButtons) }),
  z.strictObject({
    listCard: z.looseObject({ header: z.looseObject({ title: z.string().min(1) }), items: z.array(z.looseObject({ title: z.string().min(1) })).min(1).max(5) }).and(cardButtons),
  }),
]);
const quickReply = z.union([
  z.strictObject({ label: len(14), action: z.literal('message'), messageText: z.string().min(1), extra: z.record(z.string(), z.unknown()).optional() }),
  z.strictObject({ label: len(14), action: z.literal('block'), blockId: z.string().min(1), messageText: z.string().optional(), extra: z.record(z.string(), z.unknown()).optional() }),
]);
const kakaoResponse = z.union([
  z.looseObject({ version: z.literal('2.0'), template: z.looseObject({ outputs: z.array(component).min(1).max(3), quickReplies: z.array(quickReply).max(10).optional() }) }),
  z.looseObject({ version: z.literal('2.0'), useCallback: z.literal(true), data: z.record(z.string(), z.unknown()).optional() }),
]);
export type KakaoAnswer = z.infer<typeof kakaoResponse> & { template?: { outputs: any[]; quickReplies?: QuickReply[] }; useCallback?: true; data?: any };
export interface QuickReply {
  label: string;
  action: string;
  messageText?: string;
  extra?: Record<string, unknown>;
}

/** Why Kakao would deliver nothing for this answer (§4, §10.3), or undefined. */
export function kakaoRefuses(body: unknown): string | undefined {
  const parsed = kakaoResponse.safeParse(body);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  const bytes = Buffer.byteLength(JSON.stringify(body));
  return bytes > 30_000 ? `${bytes} bytes` : undefined;
}

/** The texts a seller sees in an answer: simpleText bubbles, card titles and descriptions. */
export function bubbles(answer: KakaoAnswer): string[] {
  return (answer.template?.outputs ?? []).map((o: any) => o.simpleText?.text ?? [o.textCard?.title, o.textCard?.description, o.basicCard?.title, o.basicCard?.description].filter(Boolean).join('\n'));
}

// --- skill requests as Kakao sends them ---

export interface SkillRequestOptions {
  userKey: string;
  utterance?: string | null;
  clientExtra?: Record<string, unknown> | null;
  trigger?: string;
  development?: boolean;
  callbackUrl?: string;
  params?: Record<string, string>;
  botId?: string;
  /** Leaves `utterance` out altogether (an event-triggered call may carry none). */
  noUtterance?: boolean;
}

export function skillRequest(o: SkillRequestOptions): Record<string, unknown> {
  const block = { id: '65a1b2c3d4e5f60718293a50', name: '폴백 블록' };
  const userRequest: Record<string, unknown> = {
    block,
    user: {
      id: o.userKey,
      type: 'botUserKey',
      properties: { botUserKey: o.userKey, isFriend: true, plusfriendUserKey: `pf-${o.userKey.slice(0, 8)}`, bot_user_key: o.userKey, plusfriend_user_key: `pf-${o.userKey.slice(0, 8)}`, app_user_status: 'REGISTERED' },
    },
    params: { surface: 'Kakaotalk.plusfriend', ...o.params },
    lang: 'ko',
    timezone: 'Asia/Seoul',
  };
  if (!o.noUtterance) userRequest.utterance = o.utterance ?? '';
  if (o.callbackUrl) userRequest.callbackUrl = o.callbackUrl;
  return {
    bot: { id: `${o.botId ?? BOT_ID}${o.development ? '!' : ''}`, name: '셀러지원봇' },
    intent: { id: block.id, name: block.name, extra: { reason: { code: 1, message: 'OK' } } },
    action: { id: '65a1b2c3d4e5f60718293a61', name: 'seller-support-skill', params: {}, detailParams: {}, clientExtra: o.clientExtra === undefined ? {} : o.clientExtra },
    userRequest,
    contexts: [],
    flow: { lastBlock: block, trigger: { type: o.trigger ?? 'TEXT_INPUT', referrerBlock: block } },
  };
}

export interface SkillResult {
  status: number;
  body: any;
  elapsedMs: number;
}

/** A seller in a Kakao channel chat: what they type or press becomes a skill call, checked as Kakao would. */
export class KakaoSeller {
  /** Every answer this seller got, in order (after any callback). */
  readonly seen: string[][] = [];
  lastAnswer?: KakaoAnswer;

  constructor(
    private readonly platform: FakeKakao,
    readonly userKey: string,
    private readonly development = false,
  ) {}

  get conversationId(): string {
    return `kakao:${this.userKey}`;
  }

  /** Types a message; returns the bubbles shown (waits for the callback when the answer used it). */
  say(utterance: string, extra: Partial<SkillRequestOptions> = {}): Promise<string[]> {
    return this.call({ userKey: this.userKey, utterance, development: this.development, ...extra });
  }

  /** Presses one of the last answer's quick replies (by label or messageText). */
  press(label: string): Promise<string[]> {
    const reply = this.lastAnswer?.template?.quickReplies?.find((q) => q.label === label || q.messageText === label);
    if (!reply) throw new Error(`no quick reply "${label}" in ${JSON.stringify(this.lastAnswer?.template?.quickReplies ?? [])}`);
    return this.call({ userKey: this.userKey, utterance: reply.messageText ?? reply.label, clientExtra: reply.extra ?? {}, trigger: 'QUICKREPLY_BUTTON_MESSAGE', development: this.development });
  }

  quickReplies(): string[] {
    return (this.lastAnswer?.template?.quickReplies ?? []).map((q) => q.label);
  }

  async call(options: SkillRequestOptions): Promise<string[]> {
    const result = await this.platform.skill(skillRequest(options));
    if (result.status !== 200) throw new Error(`skill call → ${result.status} ${JSON.stringify(result.body)}`);
    let answer = result.body as KakaoAnswer;
    if (answer.useCallback) answer = await this.platform.waitForCallback(options.callbackUrl!);
    this.lastAnswer = answer;
    const shown = bubbles(answer);
    this.seen.push(shown);
    return shown;
  }
}

interface Ring {
  botId: string;
  authorization?: string;
  body: any;
  taskId: string;
}

/** The platform: the skill's caller, the Event API and callback URLs. */
export class FakeKakao {
  skillUrl = '';
  url = '';
  secret = SKILL_SECRET;
  /** Every skill answer, with its time (each checked against the limits and 5 s). */
  readonly answers: SkillResult[] = [];
  readonly rings: Ring[] = [];
  readonly callbacks = new Map<string, { body?: any; posts: number; issuedAt: number; waiters: ((body: any) => void)[] }>();
  /** What the Event API answers: SUCCESS, or FAIL (e.g. the user blocked the channel), or an HTTP error. */
  eventApiMode: 'ok' | 'fail' | 'down' = 'ok';
  /** How long the Event API takes to answer. */
  eventApiDelayMs = 0;
  /** Kakao runs the event block at once after accepting a ring (the block calls the skill: the pull). */
  autoPull = true;
  /** Answers of the pulls Kakao made after rings, per user key. */
  readonly pulled = new Map<string, string[][]>();
  private server?: Server;

  constructor(readonly restApiKey = REST_API_KEY) {}

  async start(skillBaseUrl = ''): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    if (skillBaseUrl) this.skillUrl = `${skillBaseUrl}/api/kakao/skill`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  seller(userKey: string, development = false): KakaoSeller {
    return new KakaoSeller(this, userKey, development);
  }

  /** A fresh single-use callback URL, as Kakao adds to callback-enabled blocks. */
  callbackUrl(): string {
    const token = randomUUID();
    this.callbacks.set(token, { posts: 0, issuedAt: Date.now(), waiters: [] });
    return `${this.url}/v1/bots/${BOT_ID}/callback/${token}`;
  }

  /** POSTs a skill request as Kakao does: JSON, the secret header, aborted after 5 s. The answer must be valid. */
  async skill(body: unknown, headers: Record<string, string> = { 'x-skill-token': this.secret }): Promise<SkillResult> {
    const started = performance.now();
    const res = await fetch(this.skillUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json;charset=UTF-8', accept: 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    const elapsedMs = performance.now() - started;
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // kept as text
    }
    const result = { status: res.status, body: parsed, elapsedMs };
    if (res.status === 200) {
      const problem = kakaoRefuses(parsed);
      if (problem) throw new Error(`Kakao would show nothing for this answer (${problem}): ${text.slice(0, 2000)}`);
      this.answers.push(result);
    }
    return result;
  }

  waitForCallback(callbackUrl: string, timeoutMs = 10_000): Promise<KakaoAnswer> {
    const entry = this.callbacks.get(callbackUrl.split('/').pop()!);
    if (!entry) throw new Error(`unknown callback URL ${callbackUrl}`);
    if (entry.body) return Promise.resolve(entry.body);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no callback POST within the time')), timeoutMs);
      entry.waiters.push((body) => {
        clearTimeout(timer);
        resolve(body);
      });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', this.url).pathname;
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const ring = /^\/v2\/bots\/([^/]+)\/talk$/.exec(path);
    if (req.method === 'POST' && ring) {
      const body = JSON.parse(raw);
      const taskId = randomUUID();
      this.rings.push({ botId: decodeURIComponent(ring[1]!), authorization: req.headers.authorization, body, taskId });
      if (req.headers.authorization !== `KakaoAK ${this.restApiKey}`) return send(401, { code: -401, msg: 'wrong app key' });
      if (!Array.isArray(body.user) || body.user.length < 1 || body.user.length > 100) return send(400, { status: 'FAIL', message: 'user: 1 to 100' });
      if (this.eventApiDelayMs) await new Promise((resolve) => setTimeout(resolve, this.eventApiDelayMs));
      if (this.eventApiMode === 'down') return send(503, { message: 'unavailable' });
      if (this.eventApiMode === 'fail') return send(200, { taskId, status: 'FAIL', message: 'user blocked the channel', timestamp: Date.now() });
      send(200, { taskId, status: 'SUCCESS', timestamp: Date.now() });
      if (this.autoPull) {
        // The event's block calls the skill for each user, with the event's params (§6.4).
        setImmediate(() => {
          for (const user of body.user) {
            const seller = new KakaoSeller(this, user.id, decodeURIComponent(ring[1]!).endsWith('!'));
            void seller
              .call({ userKey: user.id, utterance: '', params: body.params ?? {}, trigger: 'TEXT_INPUT', development: decodeURIComponent(ring[1]!).endsWith('!') })
              .then((shown) => this.pulled.set(user.id, [...(this.pulled.get(user.id) ?? []), shown]), (error: Error) => this.pulled.set(user.id, [...(this.pulled.get(user.id) ?? []), [`ERROR ${error.message}`]]));
          }
        });
      }
      return;
    }
    const callback = /^\/v1\/bots\/[^/]+\/callback\/([^/]+)$/.exec(path);
    if (req.method === 'POST' && callback) {
      const entry = this.callbacks.get(callback[1]!);
      const answer = (status: string, message: string) => send(200, { taskId: randomUUID(), status, message, timestamp: Date.now() });
      if (!entry) return answer('FAIL', 'Invalid callback token. Check your callback token.');
      entry.posts += 1;
      if (entry.posts > 1 || Date.now() - entry.issuedAt > 60_000) return answer('FAIL', 'Invalid callback token. Check your callback token.');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return answer('FAIL', 'Invalid json response from bot-skill.');
      }
      const problem = kakaoRefuses(body);
      if (problem || (body as KakaoAnswer).useCallback) return answer('FAIL', `Invalid json response from bot-skill. ${problem ?? ''}`);
      entry.body = body;
      for (const waiter of entry.waiters.splice(0)) waiter(body);
      return answer('SUCCESS', 'ok');
    }
    send(404, { message: 'not found' });
  }
}
