// The lines a person starting the bot reads first: where the seller page and the agent console are, and
// where the agent token is kept. Plain text on stderr, apart from the JSON logs; the token itself is
// never printed (the console takes the file's whole `name:token` line).
import { isAbsolute, join, relative } from 'node:path';
import type { Config } from './config';
import { LOCAL_TOKEN_FILE } from './handoff/agents/auth';

export function startupBanner(config: Config, port: number, localAgent: boolean): string {
  const base = config.PUBLIC_BASE_URL ?? `http://localhost:${port}`;
  const lines: [string, string][] = [];
  if (config.localWebChat) lines.push(['판매자 채팅 · Seller chat', `${base}/`]);
  else lines.push(['메시지 엔드포인트 · Messaging endpoint', `${base}/api/messages`]);
  lines.push(['상담사 콘솔 · Agent console', `${base}/agent`]);
  if (localAgent) {
    lines.push(['상담사 토큰 · Agent token', `${readablePath(join(config.dataDir, LOCAL_TOKEN_FILE))}  (한 줄 전체를 붙여 넣으세요 · paste the whole line)`]);
  } else {
    lines.push(['상담사 토큰 · Agent tokens', 'AGENT_TOKENS (.env)']);
  }
  const width = Math.max(...lines.map(([label]) => label.length));
  return `\n${lines.map(([label, value]) => `  ${`${label}:`.padEnd(width + 2)}${value}`).join('\n')}\n\n`;
}

/** Relative to the working directory when the file is under it ("data/agent-token"), else absolute. */
function readablePath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
