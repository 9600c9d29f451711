import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import {
  resolveLayout,
  silentProgress,
  stackDown,
  stackStatus,
  stackUp,
  type StackOptions,
} from '../../src/stack/index.ts';
import { findMarkedProcesses } from '../../src/stack/processScan.ts';
import { serviceMarker } from '../../src/stack/services/serviceDefinition.ts';

// A second, private stack beside the shared one (own folder, ports shifted by 2000) so that
// stopping it cannot disturb the other scenarios. Artifacts come from the shared cache.
test('stack up twice starts nothing the second time; a crash shows in status; down leaves no process', async () => {
  const home = await mkdtemp(join(tmpdir(), 'lambdalake-stack-'));
  onTestFinished(() => rm(home, { recursive: true, force: true }));
  const env = {
    ...process.env,
    LAMBDALAKE_HOME: home,
    // The shared stack's run folder may come from LAMBDALAKE_RUN_DIR (CI sets it): never inherit it.
    LAMBDALAKE_RUN_DIR: join(home, 'run'),
    LAMBDALAKE_CACHE: resolveLayout().cache,
    LAMBDALAKE_PORT_OFFSET: '2000',
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
