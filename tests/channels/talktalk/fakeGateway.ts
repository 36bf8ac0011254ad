// A fake TalkTalk send API (POST /chatbot/v1/event) for the tests. It requires the exact Authorization key
// and a JSON content type, and checks every body against the documented limits with its own rules
// (written from /work/shared/channels/naver-talktalk.md §3 and §9, not from the bot's schema): a body
// outside them gets `success:false, resultCode:"02"` and is recorded as a violation. Failures can be
// queued to test retries and give-ups.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Failure = { status: number; body?: unknown } | { resultCode: string } | 'hang';

export interface Received {
  body: any;
  at: number;
}

const len = (s: unknown) => (typeof s === 'string' ? s.length : NaN);
const isText = (s: unknown, max: number) => typeof s === 'string' && s.length > 0 && len(s) <= max;

function checkButton(b: any, where: string, titleMax: number, types: string[], problems: string[]): void {
  if (!b || !types.includes(b.type)) return void problems.push(`${where}: type ${b?.type} not allowed here`);
  const d = b.data ?? {};
  if (!isText(d.title, titleMax)) problems.push(`${where}: title over ${titleMax} (${len(d.title)})`);
  if (b.type === 'TEXT' && d.code !== undefined && !isText(d.code, 1000)) problems.push(`${where}: code over 1000`);
  if (b.type === 'LINK' && (!/^https?:\/\//.test(d.url ?? '') || !/^https?:\/\//.test(d.mobileUrl ?? ''))) problems.push(`${where}: LINK needs url and mobileUrl`);
  if (b.type === 'OPTION') {
    const list = d.buttonList ?? [];
    if (!Array.isArray(list) || list.length < 1 || list.length > 10) problems.push(`${where}: OPTION holds 1 to 10 buttons`);
    else list.forEach((inner: any, i: number) => checkButton(inner, `${where}.buttonList[${i}]`, 10, ['TEXT', 'LINK', 'PAY'], problems));
  }
}

function checkQuickReply(q: any, where: string, problems: string[]): void {
  if (q === undefined) return;
  if (!Array.isArray(q?.buttonList) || q.buttonList.length === 0) return void problems.push(`${where}: empty quickReply`);
  q.buttonList.forEach((b: any, i: number) => checkButton(b, `${where}.buttonList[${i}]`, 10, ['TEXT', 'LINK', 'PAY'], problems));
}

/** What is wrong with a body under the documented rules (empty: nothing). */
export function violations(body: any): string[] {
  const problems: string[] = [];
  if (!body || typeof body !== 'object') return ['not an object'];
  if (typeof body.user !== 'string' || !body.user) problems.push('user missing');
  if (body.event === 'handover') {
    const o = body.options ?? {};
    if (o.control === 'passThread' && o.targetId !== 1) problems.push('passThread needs targetId 1');
    if (o.control === 'takeThread' && o.metadata !== '') problems.push('takeThread carries metadata ""');
    if (o.control !== 'passThread' && o.control !== 'takeThread') problems.push(`unknown control ${o.control}`);
    return problems;
  }
  if (body.event !== 'send') return [...problems, `event ${body.event} not expected`];
  const contents = ['textContent', 'imageContent', 'compositeContent'].filter((k) => body[k] !== undefined);
  if (contents.length !== 1) return [...problems, `exactly one content expected, got ${contents.join(',') || 'none'}`];
  if (body.options !== undefined && (typeof body.options !== 'object' || ('notification' in body.options && typeof body.options.notification !== 'boolean'))) problems.push('bad options');
  if (body.textContent) {
    const t = body.textContent;
    if (!isText(t.text, 10_000)) problems.push(`text empty or over 10,000 (${len(t.text)})`);
    if ('inputType' in t) problems.push('inputType is inbound only');
    checkQuickReply(t.quickReply, 'textContent.quickReply', problems);
  }
  if (body.imageContent) {
    const i = body.imageContent;
    if (!/^https?:\/\//.test(i.imageUrl ?? '') && !i.imageId) problems.push('imageContent needs imageUrl or imageId');
    checkQuickReply(i.quickReply, 'imageContent.quickReply', problems);
  }
  if (body.compositeContent) {
    const list = body.compositeContent.compositeList;
    if (!Array.isArray(list) || list.length < 1 || list.length > 10) problems.push('compositeList holds 1 to 10');
    (Array.isArray(list) ? list : []).forEach((c: any, n: number) => {
      const where = `compositeList[${n}]`;
      if (c.title !== undefined && !isText(c.title, 200)) problems.push(`${where}.title over 200`);
      if (c.description !== undefined && !isText(c.description, 1000)) problems.push(`${where}.description over 1000`);
      const rows = c.elementList?.data;
      if (c.elementList !== undefined && (c.elementList.type !== 'LIST' || !Array.isArray(rows) || rows.length < 1 || rows.length > 3)) problems.push(`${where}.elementList: LIST of 1 to 3`);
      (Array.isArray(rows) ? rows : []).forEach((r: any, i: number) => {
        if (!isText(r.title, 100)) problems.push(`${where}.elementList[${i}].title`);
        for (const k of ['description', 'subDescription']) if (r[k] !== undefined && !isText(r[k], 100)) problems.push(`${where}.elementList[${i}].${k}`);
        if (r.button !== undefined) checkButton(r.button, `${where}.elementList[${i}].button`, 10, ['TEXT', 'LINK'], problems);
      });
      const buttons = c.buttonList;
      if (buttons !== undefined && (!Array.isArray(buttons) || buttons.length > 10)) problems.push(`${where}.buttonList over 10`);
      (Array.isArray(buttons) ? buttons : []).forEach((b: any, i: number) => checkButton(b, `${where}.buttonList[${i}]`, 18, ['TEXT', 'LINK', 'OPTION', 'PAY'], problems));
      if (!(c.title || c.description || c.elementList)) problems.push(`${where}: needs title, description or elementList`);
      if ([c.title, c.description, c.elementList, c.image, c.buttonList].filter((x) => x !== undefined).length < 2) problems.push(`${where}: needs two parts`);
    });
    checkQuickReply(body.compositeContent.quickReply, 'compositeContent.quickReply', problems);
  }
  return problems;
}

export class FakeGateway {
  readonly received: Received[] = [];
  readonly violations: { body: any; problems: string[] }[] = [];
  /** Requests refused for their header (wrong key, content type). */
  readonly refused: { authorization?: string; contentType?: string }[] = [];
  private readonly failures: Failure[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private readonly waiters: { count: number; resolve: () => void }[] = [];
  private server?: Server;
  url = '';

  constructor(readonly authKey: string) {}

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/chatbot/v1/event`;
    return this;
  }

  /** The next requests fail this way, in order (then the gateway takes them again). */
  failNext(...failures: Failure[]): void {
    this.failures.push(...failures);
  }

  /** Accepted send bodies for a user, oldest first. */
  bodiesFor(user: string): any[] {
    return this.received.map((r) => r.body).filter((b) => b.user === user);
  }

  /** The texts (textContent) a user was sent. */
  textsFor(user: string): string[] {
    return this.bodiesFor(user).filter((b) => b.textContent).map((b) => b.textContent.text as string);
  }

  async waitFor(count: number, timeoutMs = 8000): Promise<void> {
    if (this.received.length >= count) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fake gateway: ${this.received.length} of ${count} bodies after ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Waits until `user` has received `count` more bodies than `before` (from bodiesFor). */
  async waitForUser(user: string, before: number, count: number, timeoutMs = 8000): Promise<any[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.bodiesFor(user).length < before + count) {
      if (Date.now() > deadline) throw new Error(`fake gateway: ${user} got ${this.bodiesFor(user).length - before} of ${count} new bodies: ${JSON.stringify(this.bodiesFor(user).slice(before))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.bodiesFor(user).slice(before);
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/chatbot/v1/event') return reply(404, { message: 'not found' });
    const contentType = req.headers['content-type'] ?? '';
    if (req.headers.authorization !== this.authKey || !/^application\/json;\s*charset=utf-8$/i.test(contentType)) {
      this.refused.push({ authorization: req.headers.authorization, contentType });
      return reply(200, { success: false, resultCode: '01', resultMessage: 'Authorization 오류' });
    }
    let body: any;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(200, { success: false, resultCode: '02', resultMessage: 'request json 문자열 파싱 오류' });
    }
    const failure = this.failures.shift();
    if (failure === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (failure && 'status' in failure) return reply(failure.status, failure.body ?? { message: 'failure' });
    if (failure) return reply(200, { success: false, resultCode: failure.resultCode, resultMessage: 'failure' });
    const problems = violations(body);
    if (problems.length) {
      this.violations.push({ body, problems });
      return reply(200, { success: false, resultCode: '02', resultMessage: problems.join('; ') });
    }
    this.received.push({ body, at: Date.now() });
    for (const w of this.waiters.filter((w) => this.received.length >= w.count)) w.resolve();
    reply(200, { success: true, resultCode: '00' });
  }
}
