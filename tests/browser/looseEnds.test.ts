// Day-one rough edges in real Chromium, with the generated local agent (no AGENT_TOKENS): the agent pastes
// the token file's line and names themselves; chats are known by case number and first question; screen
// readers hear the agent as the agent; a seller who starts a new chat or closes the tab is seen to leave.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { loadKnowledge } from '../../knowledge';
import { type RunningBot, startBot } from '../support/botServer';
import { AgentConsole, SellerPage, eventually, launchBrowser, newPerson, pageProblems, screenshot } from './support';

jest.setTimeout(90000);

const knowledge = loadKnowledge();
const LEFT_NOTE = /판매자가 대화를 떠났어요/;

let bot: RunningBot;
let browser: Browser;
let agentPage: Page;
let agent: AgentConsole;

beforeAll(async () => {
  [bot, browser] = await Promise.all([startBot({ WEBCHAT_LEAVE_SECONDS: '1' }), launchBrowser()]);
  agentPage = (await newPerson(browser, { width: 1280, height: 860 })).page;
  agent = new AgentConsole(agentPage);
});

afterAll(async () => {
  await browser?.close();
  await bot?.stop();
});

/** A seller who asks a first question, then for an agent, and whom the agent accepts. */
async function sellerInLiveChat(question: string): Promise<SellerPage> {
  const seller = new SellerPage((await newPerson(browser, { width: 360, height: 740 })).page);
  await seller.open(bot.url);
  await seller.botSays(knowledge.text('welcome', 'ko').split('\n')[0]!);
  await seller.say(question);
  await seller.say('상담사 연결해 주세요');
  await seller.botSays(/대기 순서/);
  // Screen readers still hear the bot as the bot.
  const announced = await eventually(
    () => seller.page.locator('.webchat__live-region-activity').allTextContents(),
    (texts) => texts.some((t) => t.includes('대기 순서')),
  );
  expect(announced.find((t) => t.includes('대기 순서'))!.trim()).toMatch(/^챗봇의 말: 상담사에게 연결하고 있어요/);
  const entry = agent.waitingEntry(question.match(/\d{10}/)![0]);
  await entry.waitFor();
  await entry.getByRole('button', { name: /수락|Accept/ }).click();
  await agent.chat.locator('li.message.seller', { hasText: question }).waitFor();
  return seller;
}

test('the local agent signs in with the pasted name:token line and chooses the name sellers see', async () => {
  const file = join(bot.dataDir, 'agent-token');
  const line = readFileSync(file, 'utf8').trim();
  expect(line).toMatch(/^상담사:/);
  await agentPage.goto(`${bot.url}/agent`);
  expect(await agentPage.locator('#token-hint').textContent()).toContain('data/agent-token');
  await agentPage.locator('#token').fill(line);
  await agentPage.locator('#sign-in-form button[type="submit"]').click();

  await agentPage.locator('#name-view').waitFor();
  await screenshot(agentPage, 'loose-01-agent-name');
  await agentPage.locator('#agent-name').fill('민지');
  await agentPage.locator('#name-form button[type="submit"]').click();
  await agentPage.locator('#console-view').waitFor();
  expect(await agentPage.locator('#me').textContent()).toBe('상담사 민지');
  // Kept: in the file, and the console does not ask again.
  expect(readFileSync(file, 'utf8').trim()).toBe(line.replace(/^상담사:/, '민지:'));
  await agentPage.reload();
  await agentPage.locator('#console-view').waitFor();
  expect(await agentPage.locator('#name-view').isHidden()).toBe(true);
  expect(await agentPage.locator('#me').textContent()).toBe('상담사 민지');
});

test('chats show the case number and first question; the agent is heard as the agent; 새 상담 leaves the chat', async () => {
  const question = '상품번호 5566778899 삭제가 안 돼요';
  const seller = await sellerInLiveChat(question);
  const caseNumber = (await agent.chat.locator('.chat-title').textContent())!.match(/CS-\d{6}-[0-9A-Z]+/)?.[0];
  expect(caseNumber).toBeDefined();
  expect(await agent.chat.locator('.chat-title').textContent()).toContain(question);
  const tab = agentPage.locator('#tabs .tab.current');
  expect(await tab.locator('.tab-case').textContent()).toBe(caseNumber);
  expect(await tab.locator('.tab-question').textContent()).toMatch(/^상품번호 5566/);
  const conversationId = await seller.conversationId();
  expect(await agentPage.locator('#tabs').textContent()).not.toContain(conversationId.slice(0, 8));

  await agent.reply('안녕하세요, 확인해 볼게요');
  const fromAgent = seller.page.locator('.agent-activity', { hasText: '확인해 볼게요' }).last();
  await fromAgent.waitFor();
  expect(await fromAgent.locator('.agent-activity__name').textContent()).toBe('상담사 민지');
  // What a screen reader announces (Web Chat's live region) and reads when the message is focused.
  const announced = await eventually(
    () => seller.page.locator('.webchat__live-region-activity').allTextContents(),
    (texts) => texts.some((t) => t.includes('확인해 볼게요')),
  );
  const forAgent = announced.find((t) => t.includes('확인해 볼게요'))!;
  expect(forAgent.trim()).toBe('상담사 민지의 말: 안녕하세요, 확인해 볼게요');
  await screenshot(agentPage, 'loose-02-agent-tab-case-number');

  // The seller starts over: the agent sees them leave.
  await Promise.all([seller.page.waitForEvent('load'), seller.page.locator('#new-chat').click()]);
  await seller.botSays(knowledge.text('welcome', 'ko').split('\n')[0]!);
  await agent.chat.locator('li.note', { hasText: LEFT_NOTE }).waitFor();
  expect(await agent.chat.locator('.chat-meta').textContent()).toContain('종료됨');
  expect(await agent.chat.locator('textarea.input').isDisabled()).toBe(true);
  await screenshot(agentPage, 'loose-03-agent-seller-left');

  // A console that had not heard yet: the message is flagged undelivered, and the seller's new chat gets nothing.
  await agent.chat.locator('textarea.input').evaluate((node) => ((node as unknown as { disabled: boolean }).disabled = false));
  await agent.chat.locator('button.send').evaluate((node) => ((node as unknown as { disabled: boolean }).disabled = false));
  await agent.chat.locator('textarea.input').fill('혹시 계신가요?');
  await agent.chat.locator('button.send').click();
  const late = agent.chat.locator('li.message.agent', { hasText: '혹시 계신가요?' });
  await late.locator('.flag').waitFor();
  expect(await late.locator('.flag').textContent()).toMatch(/전달 안 됨/);
  await seller.page.waitForTimeout(500);
  expect(await seller.page.locator('.webchat__bubble', { hasText: '혹시 계신가요?' }).count()).toBe(0);
  expect(pageProblems(seller.page)).toEqual([]);
});

test('closing the tab for good leaves the chat; a reload does not', async () => {
  const staying = await sellerInLiveChat('상품 삭제했는데 복구 되나요 1212121212');
  const stayingTab = agentPage.locator('#tabs .tab', { hasText: '상품 삭제했는데' });
  await staying.page.reload();
  await staying.input.waitFor();
  const leaving = await sellerInLiveChat('품절 상품 지우는 법 3434343434');

  await leaving.page.close({ runBeforeUnload: true });
  await agent.chat.locator('li.note', { hasText: LEFT_NOTE }).waitFor({ timeout: 10000 });
  // The reloaded seller, well past the grace period, is still in their chat.
  await stayingTab.click();
  expect(await agent.chat.locator('li.note', { hasText: LEFT_NOTE }).count()).toBe(0);
  expect(await agent.chat.locator('.chat-meta').textContent()).toContain('상담 중 (나)');
  await agent.reply('아직 계시죠?');
  await staying.page.locator('.agent-activity', { hasText: '아직 계시죠?' }).waitFor();
});

test('an endOfConversation in the feed (새 상담 whose echo beats the reload) is not rendered and raises no error', async () => {
  const seller = new SellerPage((await newPerson(browser, { width: 360, height: 740 })).page);
  await seller.open(bot.url);
  await seller.botSays(knowledge.text('welcome', 'ko').split('\n')[0]!);
  // What 새 상담 posts, but without the reload that usually hides its echo.
  const status = await seller.page.evaluate(async () => {
    const page = globalThis as unknown as { localStorage: { getItem(key: string): string | null } };
    const session = JSON.parse(page.localStorage.getItem('sellerSupport.webchat.v1') ?? '{}') as { conversationId: string; token: string };
    const res = await fetch(`/v3/directline/conversations/${encodeURIComponent(session.conversationId)}/activities`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${session.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'endOfConversation', code: 'userCancelled' }),
    });
    return res.status;
  });
  expect(status).toBe(200);
  await seller.page.waitForTimeout(1500); // the long poll brings the echo
  expect(pageProblems(seller.page)).toEqual([]);
});
