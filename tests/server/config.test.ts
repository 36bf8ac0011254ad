import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../bot/config';

test('defaults: local mode, port 3978, 24-hour support in Asia/Seoul', () => {
  const config = loadConfig({});
  expect(config.PORT).toBe(3978);
  expect(config.localMode).toBe(true);
  expect(config.localWebChat).toBe(true);
  expect(config.SUPPORT_TIMEZONE).toBe('Asia/Seoul');
  expect(config.businessHours.alwaysOpen).toBe(true);
  expect(config.ALLOWED_SERVICE_URLS).toEqual(['loopback']);
});

test.each([
  [{ PORT: 'eighty' }, /PORT/],
  [{ SUPPORT_HOURS: 'weekdays nine to six' }, /SUPPORT_HOURS/],
  [{ SUPPORT_TIMEZONE: 'Mars/Olympus' }, /SUPPORT_TIMEZONE/],
  [{ SUPPORT_EMAIL: 'not-an-address' }, /SUPPORT_EMAIL/],
  [{ SUPPORT_HOLIDAYS: '2026-13-45' }, /SUPPORT_HOLIDAYS/],
  [{ HANDOFF_MODE: 'telepathy' }, /HANDOFF_MODE/],
  [{ MicrosoftAppId: 'abc' }, /MicrosoftAppPassword/],
  [{ MicrosoftAppId: 'abc', MicrosoftAppPassword: 'secret' }, /AGENT_TOKENS/],
  [{ AGENT_TOKENS: 'minji' }, /AGENT_TOKENS/],
  [{ AGENT_TOKENS: 'minji:abcdefghijklmnopqrstuvw' }, /AGENT_TOKENS: .*at least 24 characters/],
  [{ ALLOWED_SERVICE_URLS: 'http://me:pw@127.0.0.1:4299' }, /ALLOWED_SERVICE_URLS/],
  [{ ALLOWED_SERVICE_URLS: '127.0.0.1:4299' }, /ALLOWED_SERVICE_URLS/],
  [{ HANDOFF_LIMIT_PER_ADDRESS: 'lots' }, /HANDOFF_LIMIT_PER_ADDRESS/],
  [{ WEBCHAT_POLLS_PER_TOKEN: '0' }, /WEBCHAT_POLLS_PER_TOKEN/],
  [{ OUTBOX_MAX_PENDING_PER_ORIGIN: '-1' }, /OUTBOX_MAX_PENDING_PER_ORIGIN/],
  [{ PUBLIC_BASE_URL: 'chat.example.com' }, /PUBLIC_BASE_URL/],
  [{ PUBLIC_BASE_URL: 'ftp://chat.example.com' }, /PUBLIC_BASE_URL/],
  [{ PUBLIC_BASE_URL: 'https://chat.example.com/?from=proxy' }, /PUBLIC_BASE_URL/],
  [{ PUBLIC_BASE_URL: 'https://chat.example.com/#chat' }, /PUBLIC_BASE_URL/],
  [{ PUBLIC_BASE_URL: 'https://example.com/bot' }, /PUBLIC_BASE_URL: expected the address alone, with no path/],
  [{ DATABASE_URL: 'mysql://db.example.com/bot' }, /DATABASE_URL/],
  [{ DATABASE_URL: 'db.example.com:5432' }, /DATABASE_URL/],
  [{ DATABASE_POOL_SIZE: '1' }, /DATABASE_POOL_SIZE/],
  [{ DATABASE_POOL_SIZE: 'many' }, /DATABASE_POOL_SIZE/],
])('invalid %j stops with a message naming the key', (env, key) => {
  expect(() => loadConfig(env)).toThrow(ConfigError);
  expect(() => loadConfig(env)).toThrow(key);
});

test('ALLOWED_SERVICE_URLS: loopback, *, a scheme alone or URLs', () => {
  expect(loadConfig({ ALLOWED_SERVICE_URLS: 'loopback, https://, http://127.0.0.1:4299/v3' }).ALLOWED_SERVICE_URLS).toEqual(['loopback', 'https://', 'http://127.0.0.1:4299/v3']);
});

test('PUBLIC_BASE_URL: optional, without a trailing slash (links append paths to it)', () => {
  expect(loadConfig({}).PUBLIC_BASE_URL).toBeUndefined();
  expect(loadConfig({ PUBLIC_BASE_URL: '' }).PUBLIC_BASE_URL).toBeUndefined();
  expect(loadConfig({ PUBLIC_BASE_URL: 'https://chat.example.com/' }).PUBLIC_BASE_URL).toBe('https://chat.example.com');
  expect(loadConfig({ PUBLIC_BASE_URL: 'https://Chat.Example.com' }).PUBLIC_BASE_URL).toBe('https://chat.example.com');
  expect(loadConfig({ PUBLIC_BASE_URL: 'http://10.0.0.5:8080' }).PUBLIC_BASE_URL).toBe('http://10.0.0.5:8080');
});

test('DATABASE_URL: unset is SQLite; a PostgreSQL URL is taken as given, and a bad one is refused without echoing it', () => {
  expect(loadConfig({}).DATABASE_URL).toBeUndefined();
  expect(loadConfig({}).DATABASE_POOL_SIZE).toBe(10);
  const url = 'postgresql://bot:s3cret@db.internal:5432/support';
  expect(loadConfig({ DATABASE_URL: url, DATABASE_POOL_SIZE: '20' })).toMatchObject({ DATABASE_URL: url, DATABASE_POOL_SIZE: 20 });
  expect(() => loadConfig({ DATABASE_URL: 'mysql://bot:s3cret@db.internal/support' })).toThrow(/^(?![\s\S]*s3cret)/);
});

test('SUPPORT_HOURS is parsed with the time zone', () => {
  const config = loadConfig({ SUPPORT_HOURS: 'mon-fri 09:00-18:00; sat 10:00-14:00', SUPPORT_TIMEZONE: 'Asia/Seoul' });
  expect(config.businessHours.isOpen(new Date('2026-11-26T01:00:00Z'))).toBe(true); // Thu 10:00 KST
  expect(config.businessHours.isOpen(new Date('2026-11-26T10:00:00Z'))).toBe(false); // Thu 19:00 KST
  expect(config.businessHours.describe('ko')).toBe('월-금 09:00-18:00, 토 10:00-14:00 (Asia/Seoul)');
});

test('the real start-up refuses a bad value and names the key', () => {
  const root = join(__dirname, '..', '..');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root });
  const run = spawnSync(process.execPath, ['dist/bot/index.js'], { cwd: root, env: { ...process.env, PORT: '-5' }, encoding: 'utf8', timeout: 20000 });
  expect(run.status).not.toBe(0);
  expect(run.stderr).toMatch(/PORT/);
});
