// Real-browser helpers: Debian's Chromium through playwright-core, the seller's Web Chat page and the
// agent console driven through their DOM, and screenshots under tests/artifacts/ (git-ignored).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Locator, type Page, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(__dirname, '..', 'artifacts');

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A fresh Chromium (playwright gives it a new temporary user-data dir); each context is a separate person. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium fonts-noto-cjk (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 30000 });
}

export async function newPerson(browser: Browser, options: { width?: number; height?: number; locale?: string } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1024, height: options.height ?? 800 },
    locale: options.locale ?? 'ko-KR',
    timezoneId: 'Asia/Seoul',
  });
  context.setDefaultTimeout(15000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  (page as Page & { problems?: string[] }).problems = problems;
  return { context, page };
}

/** Errors the page reported (uncaught exceptions, console.error), e.g. a CSP violation. */
export function pageProblems(page: Page): string[] {
  return (page as Page & { problems?: string[] }).problems ?? [];
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.waitForTimeout(300); // Web Chat scrolls to the newest message with an animation
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

/** Polls `read` until `check` accepts its value (or fails with the last value seen). */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value)) {
    if (Date.now() > deadline) throw new Error(`still not there after ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

// --- the seller's page (Web Chat) ---

export class SellerPage {
  constructor(readonly page: Page) {}

  get input(): Locator {
    return this.page.locator('input.webchat__send-box-text-box__input, textarea.webchat__send-box-text-box__input');
  }

  /** Bot-side bubbles (bot and agents), in order. */
  get botBubbles(): Locator {
    return this.page.locator('.webchat__bubble:not(.webchat__bubble--from-user) .webchat__bubble__content');
  }

  get sellerBubbles(): Locator {
    return this.page.locator('.webchat__bubble--from-user .webchat__bubble__content');
  }

  async open(baseUrl: string, path = '/'): Promise<void> {
    await this.page.goto(`${baseUrl}${path}`);
    await this.input.waitFor({ state: 'visible' });
  }

  async say(text: string): Promise<void> {
    await this.input.fill(text);
    await this.input.press('Enter');
    await this.sellerBubbles.filter({ hasText: text }).last().waitFor();
  }

  /** Waits until a bot-side bubble contains `text` (and returns it). */
  async botSays(text: string | RegExp, timeout = 15000): Promise<Locator> {
    const bubble = this.botBubbles.filter({ hasText: text }).last();
    await bubble.waitFor({ timeout });
    return bubble;
  }

  suggestedAction(label: string): Locator {
    return this.page.locator('.webchat__suggested-action', { hasText: label }).first();
  }

  async attach(name: string, mimeType: string, buffer: Buffer): Promise<void> {
    await this.page.locator('input[type="file"]').first().setInputFiles({ name, mimeType, buffer });
  }

  conversationId(): Promise<string> {
    return this.page.evaluate(() => (globalThis as unknown as { sellerChat: { conversationId: string } }).sellerChat.conversationId);
  }
}

// --- the agent console (/agent, built with the handoff hub) ---

export class AgentConsole {
  constructor(readonly page: Page) {
    // Closing a chat asks for confirmation.
    page.on('dialog', (dialog) => void dialog.accept());
  }

  async signIn(baseUrl: string, token: string): Promise<void> {
    await this.page.goto(`${baseUrl}/agent`);
    await this.page.locator('#token').fill(token);
    await this.page.locator('#sign-in-form button[type="submit"]').click();
  }

  get signInError(): Locator {
    return this.page.locator('#sign-in-error');
  }

  waitingEntry(text: string | RegExp): Locator {
    return this.page.locator('#list-waiting li.entry', { hasText: text }).first();
  }

  /** The open chat panel. */
  get chat(): Locator {
    return this.page.locator('#chat-panels article.chat:not([hidden])');
  }

  sellerMessages(): Locator {
    return this.chat.locator('li.message.seller');
  }

  async reply(text: string): Promise<void> {
    await this.chat.locator('textarea.input').fill(text);
    await this.chat.locator('button.send').click();
    await this.chat.locator('li.message.agent', { hasText: text }).waitFor();
  }

  async close(): Promise<void> {
    await this.chat.locator('button.close-chat').click();
    await this.chat.locator('li.note', { hasText: /상담을 종료했어요|Chat closed/ }).waitFor();
  }
}
