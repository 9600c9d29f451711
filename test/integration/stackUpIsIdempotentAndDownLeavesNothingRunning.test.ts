import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import {
  PORT_ENV_NAMES,
  resolveLayout,
  silentProgress,
  stackDown,
  stackStatus,
  stackUp,
  type StackOptions,
} from '../../src/stack/index.ts';
import { findMarkedProcesses } from '../../src/stack/processScan.ts';
import { serviceMarker } from '../../src/stack/services/serviceDefinition.ts';

// A second, private stack beside the shared one (own folder, ports the OS says are free) so that
// stopping it cannot disturb the other scenarios. Not a fixed port offset: with the default ports
// 100 apart (Flink REST 18081, catalog 18181), stacks at offsets 100 apart collide, and other
// stacks on this machine may use any offset. Artifacts come from the shared cache.
test('stack up twice starts nothing the second time; a crash shows in status; down leaves no process', async () => {
  const home = await mkdtemp(join(tmpdir(), 'lambdalake-stack-'));
  onTestFinished(() => rm(home, { recursive: true, force: true }));
  const env = {
    ...process.env,
    LAMBDALAKE_HOME: home,
    // The shared stack's run folder may come from LAMBDALAKE_RUN_DIR (CI sets it): never inherit it.
    LAMBDALAKE_RUN_DIR: join(home, 'run'),
    LAMBDALAKE_CACHE: resolveLayout().cache,
    // The services listed below are those of a local warehouse, whatever mode the shared stack is in.
    LAMBDALAKE_S3: '0',
    ...(await freePortsEnv()),
  };
  const options: StackOptions = { env, withoutServing: true };
  const run = resolveLayout(env).run;
  try {
    const first = await stackUp(silentProgress, options);
    expect(first.started.sort()).toEqual([
      'flink-jobmanager',
      'flink-sql-gateway',
      'flink-taskmanager',
      'iceberg-catalog',
      'kafka',
      'postgres',
    ]);

    const second = await stackUp(silentProgress, options);
    expect(second.started).toEqual([]);

    const healthy = await stackStatus(options);
    expect(healthy.map((s) => [s.name, s.state, s.healthy])).toEqual(
      healthy.map((s) => [s.name, 'running', true]),
    );
    const catalog = healthy.find((s) => s.name === 'iceberg-catalog');
    expect(catalog?.pid).toBeGreaterThan(0);

    process.kill(catalog!.pid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    const afterCrash = await stackStatus(options);
    expect(afterCrash.find((s) => s.name === 'iceberg-catalog')).toMatchObject({
      state: 'crashed',
      healthy: false,
      pid: null,
    });

    const restarted = await stackUp(silentProgress, options);
    expect(restarted.started).toEqual(['iceberg-catalog']);
  } finally {
    await stackDown(silentProgress, options);
  }
  for (const name of [
    'kafka',
    'iceberg-catalog',
    'flink-jobmanager',
    'flink-taskmanager',
    'flink-sql-gateway',
    'postgres',
  ] as const) {
    expect(await findMarkedProcesses(serviceMarker(run, name))).toEqual([]);
  }
  expect((await stackStatus(options)).every((s) => s.state === 'stopped')).toBe(true);
});

/** One free loopback port per stack port, as the LAMBDALAKE_*_PORT variables that set them. */
async function freePortsEnv(): Promise<Record<string, string>> {
  const servers = Object.values(PORT_ENV_NAMES).map(() => createServer());
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            resolve(typeof address === 'object' && address ? address.port : 0);
          });
        }),
    ),
  );
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return Object.fromEntries(
    Object.values(PORT_ENV_NAMES).map((name, i) => [name, String(ports[i])]),
  );
}
