// The seller's page in real Chromium: English, a 360 px phone (cards, buttons, typing), a reload, the
// queue (answers while waiting, the 대기 취소 button), and the agent console's defences (seller HTML
// shown as text, a wrong token refused).
import type { Browser, Page } from 'playwright-core';
import { loadKnowledge } from '../../knowledge';
import { MINJI } from '../handoff/helpers';
import { type RunningBot, startBot } from '../support/botServer';
import { AgentConsole, SellerPage, eventually, launchBrowser, newPerson, pageProblems, screenshot } from './support';

jest.setTimeout(60000);

const knowledge = loadKnowledge();

let bot: RunningBot;
let browser: Browser;

beforeAll(async () => {
  [bot, browser] = await Promise.all([startBot({ AGENT_TOKENS: `${MINJI.name}:${MINJI.token}` }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await bot?.stop();
});

/** The seller's Direct Line user id, from the token the page keeps. */
function userIdOf(page: Page): Promise<string> {
  return page.evaluate(() => {
    const stored = JSON.parse((globalThis as unknown as { localStorage: { getItem(k: string): string } }).localStorage.getItem('sellerSupport.webchat.v1'));
    return JSON.parse(atob(stored.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).user as string;
  });
}

test('an English conversation', async () => {
  const { page, context } = await newPerson(browser, { locale: 'en-US' });
  const seller = new SellerPage(page);
  await seller.open(bot.url, '/?lang=en');
  await seller.botSays('the SmartStore customer center bot');
  expect(await page.title()).toBe('SmartStore Customer Center');
  expect(await page.getAttribute('html', 'lang')).toBe('en');
  expect(await seller.input.getAttribute('placeholder')).toMatch(/Type your question/);
  await seller.suggestedAction(knowledge.menu[0]!.label.en).waitFor();
  await seller.say('Can I restore a product I deleted?');
  await seller.botSays(/restore|deleted/i);
  await screenshot(page, 'english');
  expect(pageProblems(page)).toEqual([]);
  await context.close();
});

test('a 360 px phone: the layout fits, and buttons, hero cards and typing render', async () => {
  const { page, context } = await newPerson(browser, { width: 360, height: 740 });
  const seller = new SellerPage(page);
  await seller.open(bot.url);
  await seller.botSays(knowledge.text('welcome', 'ko').split('\n')[0]!);
  await seller.suggestedAction(knowledge.menu[0]!.label.ko).waitFor();

  // Nothing wider than the screen; the header, the send box and the upload button are on it.
  expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  for (const selector of ['#app-title', '#new-chat', 'input.webchat__send-box-text-box__input', '.webchat__upload-button']) {
    const box = (await page.locator(selector).first().boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(360);
  }
  const buttons = page.locator('.webchat__suggested-action');
  for (let i = 0; i < (await buttons.count()); i++) {
    const box = (await buttons.nth(i).boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(360);
  }
  await screenshot(page, 'phone-360-welcome');

  // What the bot (or an agent) can send: a typing indicator, then a hero card with a button.
  const conversationId = await seller.conversationId();
  const reference = {
    channelId: 'webchat',
    serviceUrl: `${bot.url}/`,
    conversation: { id: conversationId, isGroup: false, conversationType: '', name: '' },
    bot: { id: 'seller-support-bot', name: '스마트스토어 고객센터' },
    user: { id: await userIdOf(page), name: '' },
  };
  await bot.app.channels.continueConversation(reference, async (context) => {
    await context.sendActivity({ type: 'typing' });
  });
  await page.locator('.webchat__typing-indicator').waitFor();
  await bot.app.channels.continueConversation(reference, async (context) => {
    await context.sendActivity({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.hero',
          content: { title: '삭제 상품 복구 안내', text: '상품번호와 삭제 일자를 준비해 주세요.', buttons: [{ type: 'imBack', title: '상담사 연결', value: '상담사 연결' }] },
        },
      ],
    });
  });
  const card = page.locator('.webchat__adaptive-card-renderer', { hasText: '삭제 상품 복구 안내' });
  await card.waitFor();
  const cardBox = (await card.boundingBox())!;
  expect(cardBox.x + cardBox.width).toBeLessThanOrEqual(360);
  await screenshot(page, 'phone-360-hero-card');
  // The card's button talks like the seller typing it: into the queue.
  await card.getByRole('button', { name: '상담사 연결' }).click();
  await seller.botSays(/대기 순서: 첫 번째/);
  await screenshot(page, 'phone-360-queued');
  expect(pageProblems(page)).toEqual([]);
  await context.close();
});

test('a reload keeps the conversation and its history; "새 상담" starts another', async () => {
  const { page, context } = await newPerson(browser, { width: 480, height: 800 });
  const seller = new SellerPage(page);
  await seller.open(bot.url);
  await seller.botSays(knowledge.text('welcome', 'ko').split('\n')[0]!);
  await seller.say('삭제한 상품 복구할 수 있나요?');
  await seller.botSays('삭제한 상품은 판매자가 직접 복구할 수 없어요');
  const conversationId = await seller.conversationId();
  const bubbles = await seller.botBubbles.count();

  await page.reload();
  await seller.input.waitFor();
  await seller.sellerBubbles.filter({ hasText: '삭제한 상품 복구할 수 있나요?' }).waitFor();
  await seller.botSays('삭제한 상품은 판매자가 직접 복구할 수 없어요');
  expect(await seller.conversationId()).toBe(conversationId);
  expect(await page.evaluate(() => (globalThis as unknown as { sellerChat: { resumed: boolean } }).sellerChat.resumed)).toBe(true);
  await eventually(() => seller.botBubbles.count(), (n) => n >= bubbles);
  await screenshot(page, 'reload-history');
  // And it goes on where it was.
  await seller.say('운영 시간이 어떻게 되나요?');
  await eventually(async () => (await seller.botBubbles.last().textContent()) ?? '', (t) => /24시간|운영/.test(t));

  await Promise.all([page.waitForEvent('load'), page.locator('#new-chat').click()]);
  await seller.input.waitFor();
  await seller.botSays(knowledge.text('welcome', 'ko').split('\n')[0]!);
  expect(await seller.conversationId()).not.toBe(conversationId);
  expect(await seller.sellerBubbles.count()).toBe(0);
  expect(pageProblems(page)).toEqual([]);
  await context.close();
});

test('the console shows a seller\'s <script> and <img onerror> as plain text, and refuses a wrong token', async () => {
  const sellerPerson = await newPerson(browser, { width: 420, height: 800 });
  const seller = new SellerPage(sellerPerson.page);
  const agentPerson = await newPerson(browser, { width: 1280, height: 800 });
  const agent = new AgentConsole(agentPerson.page);
  const dialogs: string[] = [];
  agentPerson.page.on('dialog', (dialog) => dialogs.push(dialog.message()));

  // A wrong token is refused, and the console stays locked.
  await agent.signIn(bot.url, 'not-the-right-token-000');
  await eventually(() => agent.signInError.textContent(), (t) => /올바르지 않아요|Unknown token/.test(t ?? ''));
  expect(await agentPerson.page.locator('#console-view').isHidden()).toBe(true);
  const api = await fetch(`${bot.url}/api/agent/queue`, { headers: { authorization: 'Bearer not-the-right-token-000' } });
  expect(api.status).toBe(401);
  await screenshot(agentPerson.page, 'console-wrong-token');

  const hostile = '<script>alert("xss")</script><img src=x onerror=alert(1)> 상품 1122334455';
  await seller.open(bot.url);
  await seller.botSays(knowledge.text('welcome', 'ko').split('\n')[0]!);
  await seller.say('상담사');
  await seller.botSays(/대기 순서/);
  await seller.say(hostile);
  // Web Chat shows it as text too.
  expect(await sellerPerson.page.locator('.webchat__bubble img[src="x"], .webchat__bubble script').count()).toBe(0);

  await agent.signIn(bot.url, MINJI.token);
  const entry = agent.waitingEntry(/1122334455/);
  await entry.waitFor();
  await entry.getByRole('button', { name: /보기|Open/ }).click();
  const line = agent.chat.locator('li.message.seller p.text', { hasText: '1122334455' });
  await line.waitFor();
  expect(await line.textContent()).toBe(hostile);
  expect(await agentPerson.page.locator('img[src="x"]').count()).toBe(0);
  expect(await agentPerson.page.locator('#console-view script').count()).toBe(0);
  expect(await entry.locator('.summary').textContent()).toContain('<img src=x onerror=alert(1)>');
  await agentPerson.page.waitForTimeout(300);
  expect(dialogs).toEqual([]);
  await screenshot(agentPerson.page, 'console-hostile-text');
  await sellerPerson.context.close();
  await agentPerson.context.close();
});

test('a waiting seller gets answers, keeps their place, and leaves with the 대기 취소 button', async () => {
  const { page, context } = await newPerson(browser);
  const seller = new SellerPage(page);
  await seller.open(bot.url);
  await seller.botSays(knowledge.text('welcome', 'ko').split('\n')[0]!);

  await seller.say('사람 상담사한테 물어보고 싶어요');
  // (Sellers of the tests above are still in the queue, so the place is not always the first.)
  const queued = await seller.botSays(/대기 순서: [가-힣]+ 번째/);
  // One message: nobody is online, so no minutes estimate, and it says how to leave.
  expect(await queued.textContent()).not.toMatch(/약 \d+분/);
  // (Web Chat's markdown curls the closing quotes.)
  expect(await queued.textContent()).toMatch(/['‘’]대기 취소['‘’]를 누르거나 ['‘’]취소['‘’]라고 보내 주세요/);
  const leave = seller.suggestedAction(knowledge.text('button.leave_queue', 'ko'));
  await leave.waitFor();

  // The agent sees the seller's real question, not "연결해 주세요".
  const agentSide = await newPerson(browser);
  const agent = new AgentConsole(agentSide.page);
  await agent.signIn(bot.url, MINJI.token);

  await seller.say('기다리는 동안요, 주말에도 상담하나요?');
  await seller.botSays('주말에는 상담 가능 시간이');
  await seller.botSays(/대기 순서는 그대로예요\. \([가-힣]+ 번째\)/);
  const entry = agent.waitingEntry(/주말에도 상담하나요/);
  await entry.waitFor();

  await screenshot(page, 'queue-answer');
  await seller.suggestedAction(knowledge.text('button.leave_queue', 'ko')).click();
  await seller.botSays(knowledge.text('handoff.left_queue', 'ko').split('\n')[0]!);
  await eventually(() => agent.page.locator('#list-waiting li.entry', { hasText: /주말에도 상담하나요/ }).count(), (n) => n === 0);
  expect(pageProblems(page)).toEqual([]);
  await agentSide.context.close();
  await context.close();
});
