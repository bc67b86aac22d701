// A PostgreSQL server for a benchmark: the one HARNESS_TEST_PG_URL names,
// else the usual local one, else a throwaway cluster of our own (as .ci/run
// starts for the tests: a temporary directory, a free port of 127.0.0.1,
// local connections trusted, durability off), stopped and removed by stop().
// When there is none to be had, the answer says why, so the benchmark can
// print that it was skipped instead of failing.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Null when `url` answers a query, else what went wrong. */
export async function probe(url, timeoutMs = 3_000) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The newest PostgreSQL's bin directory (Debian keeps each version apart), or the one of initdb on the PATH. */
function findBin() {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(a) - Number(b));
    if (versions.length > 0) return join(root, versions.at(-1), 'bin');
  }
  const found = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  return found.status === 0 ? dirname(found.stdout.trim()) : null;
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

const isRoot = () => process.getuid?.() === 0;

/** PostgreSQL refuses to run as root: as root, run its tools as the postgres user. */
function asPostgres(command, args) {
  const [file, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  return spawnSync(file, argv, { encoding: 'utf8' });
}

function idOf(flag) {
  const result = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  return result.status === 0 ? Number(result.stdout.trim()) : null;
}

const tail = (text) => text.trim().split('\n').slice(-3).join(' | ');

/** A throwaway cluster of our own: `{ url, origin, stop }`, or `{ skipped }` with the reason it could not be had. */
export async function startCluster() {
  const bin = findBin();
  if (bin === null) return { skipped: 'PostgreSQL is not installed (no initdb found): install it (apt-get install postgresql) or set HARNESS_TEST_PG_URL' };
  const uid = isRoot() ? idOf('-u') : null;
  if (isRoot() && uid === null) return { skipped: 'running as root and there is no postgres user to run PostgreSQL as: create one or set HARNESS_TEST_PG_URL' };
  const dir = mkdtempSync(join(tmpdir(), 'harness-bench-pg-'));
  if (uid !== null) chownSync(dir, uid, idOf('-g'));
  const data = join(dir, 'data');
  const stop = () => {
    if (existsSync(join(data, 'postmaster.pid'))) asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
    rmSync(dir, { recursive: true, force: true });
  };
  const failed = (what, result) => {
    const log = join(dir, 'server.log');
    const detail = tail(`${result.stderr ?? ''}\n${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
    stop();
    return { skipped: `a throwaway PostgreSQL cluster did not ${what}: ${detail}` };
  };
  const init = asPostgres(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale']);
  if (init.status !== 0) return failed('initialise', init);
  const port = await freePort();
  const options = `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const started = asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start', '-o', options]);
  if (started.status !== 0) return failed('start', started);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const unreachable = await probe(url, 10_000);
  if (unreachable !== null) return failed(`answer at ${url} (${unreachable})`, started);
  return { url, origin: 'a throwaway cluster (fsync off)', stop };
}

/**
 * `{ url, origin, stop }` for a server that answers, or `{ skipped }` with
 * the reason there is none. A cluster started here is stopped (and its
 * directory removed) by stop(), and also if the process is interrupted.
 */
export async function findPostgres() {
  const given = process.env.HARNESS_TEST_PG_URL;
  if (given) {
    const unreachable = await probe(given);
    if (unreachable !== null) return { skipped: `HARNESS_TEST_PG_URL does not answer (${unreachable}): start that server or unset it` };
    return { url: given, origin: 'HARNESS_TEST_PG_URL', stop: () => {} };
  }
  if ((await probe(LOCAL_URL)) === null) return { url: LOCAL_URL, origin: 'the local server on 127.0.0.1:5432', stop: () => {} };
  const cluster = await startCluster();
  if (cluster.skipped) return cluster;
  const interrupted = () => {
    cluster.stop();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  return {
    ...cluster,
    stop: () => {
      process.off('SIGINT', interrupted);
      process.off('SIGTERM', interrupted);
      cluster.stop();
    },
  };
}
