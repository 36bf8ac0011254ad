// PostgreSQL for tests: the run's throwaway cluster (tests/support/postgres.js) and a fresh database in it
// per caller, so test files running in parallel never see each other's rows.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

const cluster = require('./postgres') as { clusterUrl(): Promise<string>; unavailableReason(): string | undefined };

/** Why PostgreSQL tests are skipped here (binaries missing), or undefined when they run. */
export const postgresUnavailable = cluster.unavailableReason();

/**
 * Whether PostgreSQL tests run here: false (with the reason printed) when the binaries are missing,
 * an error instead in CI (BOT_TEST_REQUIRE_POSTGRES=1, set by .ci/run).
 */
export function postgresAvailable(name: string): boolean {
  if (!postgresUnavailable) return true;
  if (process.env.BOT_TEST_REQUIRE_POSTGRES === '1') throw new Error(`${name}: ${postgresUnavailable} (BOT_TEST_REQUIRE_POSTGRES=1: required here)`);
  process.stderr.write(`skipping "${name}": ${postgresUnavailable}\n`);
  return false;
}

/** `describe` when PostgreSQL tests run here, else `describe.skip` (see postgresAvailable). */
export function describePostgres(name: string, body: () => void): void {
  if (postgresAvailable(name)) describe(name, body);
  else describe.skip(name, body);
}

/** A new empty database in the run's cluster; its URL. */
export async function createTestDatabase(): Promise<string> {
  const adminUrl = await cluster.clusterUrl();
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
