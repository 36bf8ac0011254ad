// A whole day in real Chromium: a seller in Web Chat at / and an agent in the console at /agent.
import type { Browser } from 'playwright-core';
import { loadKnowledge } from '../../knowledge';
import { MINJI } from '../handoff/helpers';
import { type RunningBot, startBot } from '../support/botServer';
import { AgentConsole, SellerPage, eventually, launchBrowser, newPerson, pageProblems, screenshot } from './support';

jest.setTimeout(90000);

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

test('a seller and an agent, from the welcome to the closing summary and back to the bot', async () => {
  const seller = new SellerPage((await newPerson(browser, { width: 420, height: 860 })).page);
  const agentPage = (await newPerson(browser, { width: 1280, height: 860 })).page;
  const agent = new AgentConsole(agentPage);

  // Morning: the agent opens the console.
  await agent.signIn(bot.url, MINJI.token);
  await agentPage.locator('#console-view').waitFor();

  // The seller opens the page: the welcome and the topic buttons.
  await seller.open(bot.url);
  await seller.botSays(knowledge.text('welcome', 'ko').split('\n')[0]!);
  const topic = knowledge.menu.find((m) => m.intent === 'restore_product')!.label.ko;
  await seller.suggestedAction(topic).waitFor();
  expect(await seller.page.title()).toBe('스마트스토어 고객센터');
  await screenshot(seller.page, 'day-01-seller-welcome');

  // A topic button, then the question in the seller's own words.
  const before = await seller.botBubbles.count();
  await seller.suggestedAction(topic).click();
  await seller.sellerBubbles.filter({ hasText: topic }).waitFor();
  await eventually(() => seller.botBubbles.count(), (n) => n > before);
  await seller.say('삭제한 상품 복구할 수 있나요?');
  await seller.botSays('삭제한 상품은 판매자가 직접 복구할 수 없어요');
  await screenshot(seller.page, 'day-02-seller-answer');

  // Mid-dialog, an agent: the queue position, then the details and a screenshot while waiting.
  await seller.say('상담사 연결해 주세요');
  await seller.botSays(/대기 순서: 첫 번째/);
  await seller.say('상품번호 1234567890 을 어제 실수로 삭제했어요');
  const shot = await seller.page.screenshot();
  await seller.attach('삭제된 상품 화면.png', 'image/png', shot);
  await seller.page.locator('.webchat__bubble--from-user img').last().waitFor();
  await screenshot(seller.page, 'day-03-seller-waiting');

  // The agent sees the seller waiting, with the summary, and accepts.
  const entry = agent.waitingEntry(/1234567890/);
  await entry.waitFor();
  await eventually(() => entry.locator('.summary').textContent(), (t) => /1234567890/.test(t ?? ''));
  await screenshot(agentPage, 'day-04-agent-queue');
  await entry.getByRole('button', { name: /수락|Accept/ }).click();
  await agent.chat.waitFor();
  // The transcript: what the seller asked the bot, and the screenshot.
  await agent.chat.locator('li.message.seller', { hasText: '삭제한 상품 복구할 수 있나요?' }).waitFor();
  const thumb = agent.chat.locator('li.message.seller img.thumb').last();
  await thumb.waitFor();
  await eventually(
    () => thumb.evaluate((node) => (node as unknown as { complete: boolean; naturalWidth: number }).naturalWidth),
    (width) => width > 0,
  );
  await seller.botSays(knowledge.text('handoff.agent_joined', 'ko', { agent: MINJI.name }).split('\n')[0]!);

  await agent.reply('안녕하세요, 상품번호 1234567890 확인했어요. 복구 요청 넣어 드릴게요.');
  await screenshot(agentPage, 'day-05-agent-chat');

  // The seller sees it under the agent's name, and answers.
  const fromAgent = seller.page.locator('.agent-activity', { hasText: '복구 요청 넣어 드릴게요' }).last();
  await fromAgent.waitFor();
  await expect(fromAgent.locator('.agent-activity__name').textContent()).resolves.toBe('상담사 민지');
  await expect(fromAgent.locator('.agent-avatar').textContent()).resolves.toBe('민지');
  // The name is shown above the message, so the "[상담사 민지]" prefix other channels need is dropped.
  expect((await fromAgent.locator('.webchat__bubble__content').textContent())!.trim()).toMatch(/^안녕하세요, 상품번호/);
  await screenshot(seller.page, 'day-06-seller-agent-message');
  await seller.say('네 감사합니다!');
  await agent.chat.locator('li.message.seller', { hasText: '네 감사합니다!' }).waitFor();

  // The agent closes; the seller gets the summary with the case number.
  await agent.close();
  const summary = await seller.botSays('상담이 종료되었어요');
  expect(await summary.textContent()).toMatch(/상담 번호/);
  expect(await summary.textContent()).toContain(MINJI.name);

  // And the bot answers again.
  await seller.say('운영 시간이 어떻게 되나요?');
  await eventually(async () => (await seller.botBubbles.last().textContent()) ?? '', (t) => /24시간|운영 시간|hours/.test(t));
  await screenshot(seller.page, 'day-07-seller-back-to-bot');

  expect(pageProblems(seller.page)).toEqual([]);
});
