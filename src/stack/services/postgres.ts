import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { StackError } from '../errors.ts';
import type { StackContext } from '../stackContext.ts';
import { postgresHealth } from './postgresHealth.ts';
import { serviceMarker, type LaunchSpec, type ServiceDefinition } from './serviceDefinition.ts';

/** The local serving store's superuser, which owns every object serving creates. */
export const LOCAL_POSTGRES_OWNER = { user: 'lambdalake_owner', password: 'lambdalake-owner' };

/** The folder holding PostgreSQL's server binaries: LAMBDALAKE_POSTGRES_BIN, or Debian's newest. */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LAMBDALAKE_POSTGRES_BIN) return env.LAMBDALAKE_POSTGRES_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return join(root, versions[0], 'bin');
  throw new StackError(
    'missing_tool',
    'PostgreSQL server binaries not found in /usr/lib/postgresql/<version>/bin: install them (apt-get install postgresql) or set LAMBDALAKE_POSTGRES_BIN',
    false,
  );
}

/**
 * PostgreSQL refuses to run as root. As root the server runs as the `postgres` account, so its
 * data folder (and every folder above it) must be reachable by that account.
 */
function serverAccount(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new StackError(
      'missing_tool',
      'running as root, PostgreSQL needs the `postgres` account to run as: install the postgresql package or run as another user',
      false,
    );
  }
}

function traversableByOthers(path: string): boolean {
  return (statSync(path).mode & 0o001) !== 0;
}

/**
 * The data folder: `<run>/data/postgres`. As root, folders inside the run folder get the search
 * bit for others (never read); when a folder above the run folder is closed (root's home is 0700),
 * the data lives in /var/tmp/lambdalake-postgres/<hash of the run folder> instead, linked from the
 * run folder, rather than opening the user's home.
 */
function dataFolder(ctx: StackContext, account: { uid: number } | undefined): string {
  const inRun = join(ctx.layout.data, 'postgres');
  if (!account) return inRun;
  mkdirSync(ctx.layout.data, { recursive: true });
  for (let dir = ctx.layout.data; dir.startsWith(ctx.layout.run); dir = dirname(dir)) {
    if (!traversableByOthers(dir)) chmodSync(dir, statSync(dir).mode | 0o001);
    if (dir === ctx.layout.run) break;
  }
  let outside = true;
  for (let dir = dirname(ctx.layout.run); ; dir = dirname(dir)) {
    if (!traversableByOthers(dir)) outside = false;
    if (dir === dirname(dir)) break;
  }
  if (outside) return inRun;
  const hash = createHash('sha256').update(ctx.layout.run).digest('hex').slice(0, 12);
  const elsewhere = join('/var/tmp/lambdalake-postgres', hash);
  mkdirSync(elsewhere, { recursive: true });
  if (!existsSync(inRun)) symlinkSync(elsewhere, inRun);
  return elsewhere;
}

async function initdb(
  bin: string,
  dir: string,
  account: { uid: number; gid: number } | undefined,
): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pwfile = join(dirname(dir), `.pgpass-init-${process.pid}`);
  await writeFile(pwfile, `${LOCAL_POSTGRES_OWNER.password}\n`, { mode: 0o600 });
  try {
    if (account) {
      await chown(dir, account.uid, account.gid);
      await chown(pwfile, account.uid, account.gid);
    }
    const result = spawnSync(
      join(bin, 'initdb'),
      [
        '-D',
        dir,
        '-U',
        LOCAL_POSTGRES_OWNER.user,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C',
      ],
      { encoding: 'utf8', uid: account?.uid, gid: account?.gid, cwd: '/' },
    );
    if (result.status !== 0)
      throw new StackError(
        'service_start_failed',
        `initdb of ${dir} failed (exit ${result.status}): ${(result.stderr || result.stdout || String(result.error)).trim()}`,
        false,
      );
  } finally {
    await rm(pwfile, { force: true });
  }
}

/**
 * A self-signed certificate for 127.0.0.1 in the data folder, made once with openssl; without
 * openssl the server runs without TLS (a local default; the cloud uses RDS's certificates).
 */
async function selfSignedCertificate(
  dir: string,
  account: { uid: number; gid: number } | undefined,
): Promise<{ cert: string; key: string } | null> {
  const cert = join(dir, 'lambdalake-server.crt');
  const key = join(dir, 'lambdalake-server.key');
  if (!existsSync(cert) || !existsSync(key)) {
    const made = spawnSync(
      'openssl',
      ['req', '-new', '-x509', '-days', '3650', '-nodes', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
      { encoding: 'utf8' },
    ); // prettier-ignore
    if (made.status !== 0) return null;
  }
  await chmod(key, 0o600);
  if (account) {
    await chown(cert, account.uid, account.gid);
    await chown(key, account.uid, account.gid);
  }
  return { cert, key };
}

/**
 * The serving store: a real PostgreSQL server from the machine's packages, its data under the run
 * folder, listening on the stack's bind host only (127.0.0.1; no Unix socket), passwords checked with
 * SCRAM.
 */
export function postgresService(ctx: StackContext): ServiceDefinition {
  const port = ctx.ports.servingPostgres;
  return {
    name: 'postgres',
    host: ctx.bindHost,
    port,
    url: `postgres://127.0.0.1:${port}/lambdalake`,
    startTimeoutMs: 60_000,
    async prepare(): Promise<LaunchSpec> {
      const bin = postgresBinDir();
      const account = serverAccount();
      const dir = dataFolder(ctx, account);
      if (!existsSync(join(dir, 'PG_VERSION'))) await initdb(bin, dir, account);
      const tls = await selfSignedCertificate(dir, account);
      return {
        command: join(bin, 'postgres'),
        args: [
          '-D',
          dir,
          '-c',
          `port=${port}`,
          '-c',
          `listen_addresses=${ctx.bindHost}`,
          '-c',
          'unix_socket_directories=',
          '-c',
          'max_connections=200',
          // The speed loader commits small transactions continuously; losing the last few on an
          // OS crash is harmless (Kafka offsets are committed with the rows, so they are re-read).
          '-c',
          'synchronous_commit=off',
          // Serving's queries are small and frequent: JIT compilation would cost more than it saves.
          '-c',
          'jit=off',
          // TLS is offered, not required: clients choose with sslmode (require, verify-ca with the
          // certificate below as root).
          ...(tls
            ? ['-c', 'ssl=on', '-c', `ssl_cert_file=${tls.cert}`, '-c', `ssl_key_file=${tls.key}`]
            : []),
          // postgres takes `--name=value` as a setting, and `-D` is its data folder: the marker
          // is a custom setting here.
          serviceMarker(ctx.layout.run, 'postgres'),
        ],
        env: {},
        cwd: '/',
        uid: account?.uid,
        gid: account?.gid,
      };
    },
    health: () => postgresHealth('127.0.0.1', port),
  };
}
