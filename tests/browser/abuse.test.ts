// Issue 12 where the browser is the victim: a page on another port of the same host (same site) that
// posts forms with the agent's cookie, and images at a host the seller (or an agent's text) chose, which
// the agent's or the seller's browser must never fetch.
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { loadKnowledge } from '../../knowledge';
import { MINJI, Seller, accept, queue, sendAsAgent } from '../handoff/helpers';
import { type RunningBot, startBot } from '../support/botServer';
import { ChannelServer } from '../support/channelServer';
import { AgentConsole, SellerPage, launchBrowser, newPerson } from './support';

jest.setTimeout(60000);

const knowledge = loadKnowledge();
let bot: RunningBot;
let browser: Browser;
let channel: ChannelServer;
/** The attacker's server: serves forms, counts every request. */
let evil: Server;
let evilUrl: string;
const evilRequests: string[] = [];
let evilPage = '';

beforeAll(async () => {
  channel = new ChannelServer();
  evil = createServer((req, res) => {
    evilRequests.push(req.url ?? '');
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(evilPage);
      return;
    }
    res.writeHead(200, { 'content-type': 'image/png' });
    res.end();
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  [bot, browser] = await Promise.all([startBot({ AGENT_TOKENS: `${MINJI.name}:${MINJI.token}` }), launchBrowser(), channel.start()]);
});

afterAll(async () => {
  await browser?.close();
  await bot?.stop();
  await channel?.stop();
  evil?.closeAllConnections();
  await new Promise((resolve) => evil?.close(resolve));
});

test('a page on another port of the same host cannot accept or close chats with the agent\'s cookie', async () => {
  const seller = new Seller(bot, channel, 'csrf-browser');
  await seller.say('상담사');
  const { page, context } = await newPerson(browser);
  const agent = new AgentConsole(page);
  await agent.signIn(bot.url, MINJI.token);
  await agent.waitingEntry(/상담사|대화/).waitFor();
  const action = (verb: string) => `${bot.url}/api/agent/conversations/csrf-browser/${verb}`;
  for (const [verb, enctype] of [['accept', 'application/x-www-form-urlencoded'], ['accept', 'text/plain'], ['close', 'text/plain']] as const) {
    evilPage = `<form method="POST" action="${action(verb)}" enctype="${enctype}"></form><script>document.forms[0].submit()</script>`;
    const answered = page.waitForResponse((res) => res.url() === action(verb));
    await page.goto(evilUrl);
    const res = await answered;
    expect([verb, enctype, res.status() >= 400]).toEqual([verb, enctype, true]);
  }
  expect((await queue(bot)).waiting).toEqual([expect.objectContaining({ conversationId: 'csrf-browser' })]);
  await context.close();
});

test('opening a chat does not make the agent\'s browser fetch an image from a host the seller chose', async () => {
  const seller = new Seller(bot, channel, 'image-leak');
  await seller.say('상담사');
  await seller.say('', { attachments: [{ contentType: 'image/png', contentUrl: `${evilUrl}/track.png`, name: 'screenshot.png' }] });
  const { page, context } = await newPerson(browser, { width: 1280 });
  const agent = new AgentConsole(page);
  await agent.signIn(bot.url, MINJI.token);
  const entry = agent.waitingEntry(/첨부/);
  await entry.waitFor();
  await entry.getByRole('button', { name: /보기|Open/ }).click();
  const link = agent.chat.locator(`a[href="${evilUrl}/track.png"]`);
  await link.waitFor();
  expect(await link.textContent()).toContain('screenshot.png');
  await page.waitForTimeout(500);
  expect(evilRequests.filter((u) => u.startsWith('/track'))).toEqual([]);
  await context.close();
});

test('an agent message with a markdown image or <img> loads nothing from elsewhere on the seller\'s page', async () => {
  const { page, context } = await newPerson(browser);
  const seller = new SellerPage(page);
  await seller.open(bot.url);
  await seller.botSays(knowledge.text('welcome', 'ko').split('\n')[0]!);
  await seller.say('상담사');
  await seller.botSays(/대기 순서/);
  const conversationId = await seller.conversationId();
  expect((await accept(bot, MINJI, conversationId)).status).toBe(200);
  // Every request the page makes to the attacker's host, on any scheme: an https image (which an
  // `img-src https:` policy would let through) is attempted by the browser even though no TLS answers.
  const evilHost = new URL(evilUrl).host;
  // The browser reports requests the page's policy blocks as failed with "csp" (ERR_BLOCKED_BY_CSP); anything
  // else aimed there (a TLS error included) means it tried to fetch.
  const attempted: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).host === evilHost) attempted.push(request.url());
  });
  const blocked: string[] = [];
  page.on('requestfailed', (request) => {
    if (/^csp$|BLOCKED_BY_CSP/.test(request.failure()?.errorText ?? '')) blocked.push(request.url());
  });
  const httpsUrl = evilUrl.replace('http:', 'https:');
  const text = `확인해 볼게요 ![x](${evilUrl}/pixel.png) <img src="${evilUrl}/img.png"> ![y](${httpsUrl}/pixel-tls.png) <img src="${httpsUrl}/img-tls.png">`;
  expect((await sendAsAgent(bot, MINJI, conversationId, text)).status).toBe(200);
  await seller.botSays('확인해 볼게요');
  await page.waitForTimeout(500);
  expect(evilRequests.filter((u) => u.startsWith('/pixel') || u.startsWith('/img'))).toEqual([]);
  expect(attempted.length).toBeGreaterThan(0);
  expect(attempted.filter((url) => !blocked.includes(url))).toEqual([]);
  await context.close();
});
