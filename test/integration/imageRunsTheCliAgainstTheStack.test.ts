import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { expect, onTestFinished, test } from 'vitest';
import { resolvePorts } from '../../src/stack/index.ts';
import { LOCAL_POSTGRES_OWNER } from '../../src/stack/services/postgres.ts';
import { stackEndpoints } from './stack.ts';
import { endpointsFor } from './support/pipelineFixture.ts';

// The container image (scripts/build-image.sh) runs the deploy Job's and the scheduler's commands
// in the cloud; here it runs them against the local stack, on the host's network. CI builds the
// image before `npm test`, so there a missing image fails; elsewhere the test waits for a build.
const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const image = `localhost/lambdalake:${version}`;
const hasPodman = spawnSync('podman', ['--version']).status === 0;
const available = hasPodman && spawnSync('podman', ['image', 'exists', image]).status === 0;

function runImage(args: string[], env: Record<string, string>) {
  return spawnSync(
    'podman',
    [
      'run',
      '--rm',
      '--network',
      'host',
      ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      image,
      ...args,
    ],
    { encoding: 'utf8', timeout: 240_000 },
  );
}

test.runIf(available || process.env.CI === 'true')(
  'the image plans a deploy and reports status against the local stack, as its non-root user',
  () => {
    expect(available, `${image} is missing: run scripts/build-image.sh`).toBe(true);
    // A namespace of its own: a dry run reads what exists and must find nothing of it.
    const namespace = `imagecheck_${Date.now().toString(36)}`;
    const e = endpointsFor(stackEndpoints(), namespace);
    const env = {
      LAMBDALAKE_NAMESPACE: namespace,
      LAMBDALAKE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
      LAMBDALAKE_SQL_GATEWAY_URL: e.sqlGatewayUrl,
      LAMBDALAKE_FLINK_URL: e.flinkRestUrl,
      LAMBDALAKE_ICEBERG_URL: e.icebergCatalogUrl,
      LAMBDALAKE_SERVING_URL: e.servingUrl,
      LAMBDALAKE_SERVING_TOKEN: e.servingToken,
    };
    const plan = runImage(['deploy', '--dry-run', '--json'], env);
    expect(plan.status, plan.stderr).toBe(0);
    const { actions } = JSON.parse(plan.stdout) as { actions: string[] };
    // Everything the example definitions declare is still to be created in a new namespace.
    expect(actions.length).toBeGreaterThanOrEqual(5);
    expect(actions.join('\n')).toMatch(/hourly_revenue/);
    const status = runImage(['status', '--json'], env);
    expect(status.status, status.stderr).toBe(0);
    expect(() => JSON.parse(status.stdout) as unknown).not.toThrow();
  },
  300_000,
);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

test.runIf(available || process.env.CI === 'true')(
  'serving starts from the image against the stack and answers /health',
  async () => {
    expect(available, `${image} is missing: run scripts/build-image.sh`).toBe(true);
    const e = endpointsFor(stackEndpoints(), 'lambdalake');
    const httpPort = await freePort();
    const name = `lambdalake-imagecheck-${process.pid}`;
    const env: Record<string, string> = {
      LAMBDALAKE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
      LAMBDALAKE_ICEBERG_URL: e.icebergCatalogUrl,
      LAMBDALAKE_HTTP_PORT: String(httpPort),
      // Loopback is enough on the host's network; the cluster sets 0.0.0.0.
      LAMBDALAKE_SERVING_BIND: '127.0.0.1',
    };
    // The stack's PostgreSQL, as the owner: the image's serving joins as a standby loader.
    env.LAMBDALAKE_SERVING_PG_URL = `postgres://${LOCAL_POSTGRES_OWNER.user}:${LOCAL_POSTGRES_OWNER.password}@127.0.0.1:${resolvePorts().servingPostgres}/lambdalake`;
    const started = spawnSync(
      'podman',
      ['run', '-d', '--rm', '--name', name, '--network', 'host', '--read-only', '--tmpfs', '/tmp',
        ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), image, 'serve'],
      { encoding: 'utf8' },
    ); // prettier-ignore
    expect(started.status, started.stderr).toBe(0);
    onTestFinished(() => {
      spawnSync('podman', ['rm', '-f', name]);
    });
    const deadline = Date.now() + 90_000;
    let health: Response | undefined;
    while (Date.now() < deadline && !health?.ok) {
      health = await fetch(`http://127.0.0.1:${httpPort}/health`).catch(() => undefined);
      if (!health?.ok) await new Promise((r) => setTimeout(r, 1000));
    }
    const logs = spawnSync('podman', ['logs', name], { encoding: 'utf8' });
    expect(health?.ok, `${logs.stdout}${logs.stderr}`).toBe(true);
  },
  180_000,
);
