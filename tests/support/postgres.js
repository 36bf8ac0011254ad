// One throwaway PostgreSQL cluster per jest run, started by the first test file that asks for it (runs
// without PostgreSQL tests pay nothing) and stopped by the global teardown. The run's folder comes from
// the global setup through the environment, so jest's workers share one cluster; each test file gets its
// own database in it. The cluster runs as a non-root user (postgres refuses root), fsync off, on a free
// loopback port, with its socket in the run's folder.
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir, userInfo } = require('node:os');
const { join } = require('node:path');

const RUN_DIR_KEY = 'BOT_TEST_POSTGRES_DIR';
const START_TIMEOUT_MS = 90_000;

/** BOT_TEST_POSTGRES_BIN when set, else Debian's versioned folder (the newest), else `initdb` on PATH. */
function findBinaries() {
  const given = process.env.BOT_TEST_POSTGRES_BIN;
  if (given) return existsSync(join(given, 'initdb')) && existsSync(join(given, 'pg_ctl')) ? given : undefined;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const bin = join(root, version, 'bin');
      if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
    }
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  return undefined;
}

/** Why the PostgreSQL tests cannot run here, or undefined when they can. */
function unavailableReason() {
  return findBinaries() ? undefined : 'PostgreSQL binaries (initdb, pg_ctl) not found: install the `postgresql` package (.ci/run does)';
}

/** As root, commands run as the `postgres` user (the server refuses to run as root). */
function runAs() {
  if (userInfo().uid !== 0) return undefined;
  for (const user of ['postgres', 'nobody']) {
    try {
      execFileSync('id', ['-u', user], { stdio: 'ignore' });
      return user;
    } catch {
      // next candidate
    }
  }
  throw new Error('running as root and no postgres/nobody user to run PostgreSQL as');
}

function command(user, file, args) {
  return user ? ['runuser', ['-u', user, '--', file, ...args]] : [file, args];
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function run(user, file, args) {
  const [cmd, argv] = command(user, file, args);
  execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function startCluster(runDir) {
  const bin = findBinaries();
  if (!bin) throw new Error(unavailableReason());
  const user = runAs();
  const data = join(runDir, 'data');
  mkdirSync(data, { mode: 0o700 });
  if (user) execFileSync('chown', ['-R', user, runDir]);
  run(user, join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${runDir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB`;
    try {
      run(user, join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(runDir, 'server.log'), '-w', '-t', '60', 'start']);
      return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, bin, user, data };
    } catch (error) {
      lastError = error; // another process took the port between our probe and the server's bind
    }
  }
  const log = existsSync(join(runDir, 'server.log')) ? readFileSync(join(runDir, 'server.log'), 'utf8').slice(-2000) : '';
  throw new Error(`PostgreSQL did not start: ${lastError?.stderr ?? lastError?.message}\n${log}`);
}

/** Global setup: a folder for this run, made known to every worker. */
function setup() {
  if (process.env[RUN_DIR_KEY]) return;
  const dir = mkdtempSync(join(tmpdir(), 'bot-test-pg-'));
  chmodSync(dir, 0o755);
  process.env[RUN_DIR_KEY] = dir;
}

/** Global teardown: stop the cluster if a test started one, and delete the folder. */
function teardown() {
  const dir = process.env[RUN_DIR_KEY];
  if (!dir || !existsSync(dir)) return;
  const statePath = join(dir, 'state.json');
  if (existsSync(statePath)) {
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    if (state.data) {
      try {
        run(state.user, join(state.bin, 'pg_ctl'), ['-D', state.data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already gone; the folder goes anyway
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
  delete process.env[RUN_DIR_KEY];
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The cluster's admin URL, starting the cluster on first use. The first caller wins a mkdir and starts
 * it; the others (other workers) wait for its state file.
 */
async function clusterUrl() {
  let dir = process.env[RUN_DIR_KEY];
  if (!dir) {
    setup(); // a run without the global setup (a single file run by hand with another config)
    dir = process.env[RUN_DIR_KEY];
  }
  const statePath = join(dir, 'state.json');
  let starter = false;
  try {
    mkdirSync(join(dir, 'starting'));
    starter = true;
  } catch {
    // another worker is starting it
  }
  if (starter) {
    let state;
    try {
      state = await startCluster(dir);
    } catch (error) {
      state = { error: error.message };
    }
    writeFileSync(`${statePath}.tmp`, JSON.stringify(state));
    renameSync(`${statePath}.tmp`, statePath);
  }
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!existsSync(statePath)) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the test PostgreSQL cluster');
    await sleep(50);
  }
  const state = JSON.parse(readFileSync(statePath, 'utf8'));
  if (state.error) throw new Error(state.error);
  return state.url;
}

module.exports = { setup, teardown, clusterUrl, unavailableReason, RUN_DIR_KEY };
