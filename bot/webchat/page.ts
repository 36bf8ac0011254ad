// GET /: the seller's chat page, Microsoft's Web Chat served from node_modules by the bot itself (no
// CDN: the machine may be offline), plus the page's own script and style from bot/webchat/public.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Request, Response, Server } from 'restify';
import { projectPath } from '../../intents/paths';
import { type StaticFileList, StaticFiles } from '../staticFiles';

/** botframework-webchat exports only its main entry: find dist/webchat.js from the package folder. */
export function webChatBundlePath(): string {
  const main = require.resolve('botframework-webchat');
  let dir = dirname(main);
  while (!dir.endsWith('botframework-webchat') && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'webchat.js');
}

/** React's UMD build, only for React.createElement in the page's Web Chat middleware. */
function reactUmdPath(): string {
  return join(dirname(require.resolve('react')), 'umd', 'react.production.min.js');
}

/** Served under /webchat/. */
const ASSETS: StaticFileList = {
  'webchat.js': webChatBundlePath,
  'react.js': reactUmdPath,
  'app.js': () => projectPath('bot', 'webchat', 'public', 'app.js'),
  'app.css': () => projectPath('bot', 'webchat', 'public', 'app.css'),
};

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Web Chat styles itself with injected <style> elements.
  "style-src 'self' 'unsafe-inline'",
  // Images only from this server (uploads) and blob: previews: an agent's markdown image or <img> must
  // not make the seller's browser call another host.
  "img-src 'self' data: blob:",
  "media-src 'self' data: blob:",
  // directlinejs reads a picked file from its blob: URL before uploading it.
  "connect-src 'self' blob: data:",
  "font-src 'self' data:",
  // Web Chat downscales a picked image into a thumbnail in a worker made from a blob: URL.
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');

const TEXT = {
  ko: {
    title: '스마트스토어 고객센터',
    subtitle: '상품 삭제·복구 안내 · 상담사 연결',
    newChat: '새 상담',
    newChatLabel: '지금 대화를 끝내고 새 상담 시작',
    loading: '상담 창을 여는 중이에요…',
    noscript: '이 페이지는 JavaScript가 필요해요.',
  },
  en: {
    title: 'SmartStore Customer Center',
    subtitle: 'Deleting and restoring products · talk to an agent',
    newChat: 'New chat',
    newChatLabel: 'End this conversation and start a new one',
    loading: 'Opening the chat…',
    noscript: 'This page needs JavaScript.',
  },
} as const;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderPage(lang: 'ko' | 'en', botName: string, version: string): string {
  const t = TEXT[lang];
  const config = JSON.stringify({ lang, botName, version, text: TEXT });
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="color-scheme" content="light">
<title>${escapeHtml(t.title)}</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='8' fill='%2303c75a'/%3E%3Cpath d='M9 10h14v9H15l-4 4v-4H9z' fill='white'/%3E%3C/svg%3E">
<link rel="stylesheet" href="/webchat/app.css?v=${version}">
</head>
<body>
<div class="app" id="app" data-config="${escapeHtml(config)}">
  <header class="app__header">
    <div class="app__brand" aria-hidden="true">S</div>
    <div class="app__titles">
      <h1 class="app__title" id="app-title">${escapeHtml(t.title)}</h1>
      <p class="app__subtitle" id="app-subtitle">${escapeHtml(t.subtitle)}</p>
    </div>
    <button type="button" class="app__new" id="new-chat" title="${escapeHtml(t.newChatLabel)}" aria-label="${escapeHtml(t.newChatLabel)}">${escapeHtml(t.newChat)}</button>
  </header>
  <main class="app__chat" id="webchat" role="main" aria-busy="true"><p class="app__loading" id="loading">${escapeHtml(t.loading)}</p></main>
</div>
<noscript><p class="app__noscript">${escapeHtml(t.noscript)}</p></noscript>
<script src="/webchat/react.js?v=${version}"></script>
<script src="/webchat/webchat.js?v=${version}"></script>
<script src="/webchat/app.js?v=${version}"></script>
</body>
</html>
`;
}

export class WebChatPage {
  private readonly version: string;
  // The page asks for ?v=<version>, so a new build is a new URL.
  private readonly assets = new StaticFiles(ASSETS, { 'Cache-Control': 'public, max-age=86400' });

  constructor(private readonly botName: string) {
    const webchatVersion = (JSON.parse(readFileSync(join(dirname(webChatBundlePath()), '..', 'package.json'), 'utf8')) as { version: string }).version;
    // The page's own files change with the bot: their content is part of the cache-busting version.
    const own = createHash('sha256');
    for (const name of ['app.js', 'app.css']) own.update(readFileSync(ASSETS[name]!()));
    this.version = `${webchatVersion}-${own.digest('hex').slice(0, 10)}`;
  }

  registerRoutes(server: Server): void {
    server.get('/', async (req: Request, res: Response) => {
      this.page(req, res);
    });
    for (const name of Object.keys(ASSETS)) {
      server.get(`/webchat/${name}`, async (req: Request, res: Response) => {
        await this.assets.send(name, req, res);
      });
    }
  }

  private page(req: Request, res: Response): void {
    const lang = new URL(req.url ?? '/', 'http://localhost').searchParams.get('lang') === 'en' ? 'en' : 'ko';
    const body = Buffer.from(renderPage(lang, this.botName, this.version));
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(body.length),
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
    });
    res.end(body);
  }
}
