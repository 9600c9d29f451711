import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openControlPlane, type ControlPlane } from '../../src/control-plane/controlPlane.ts';
import { deploy } from '../../src/control-plane/commands/deploy.ts';
import { runScheduler, type SchedulerEvent } from '../../src/control-plane/commands/scheduler.ts';
import { unionViewOf } from '../../src/control-plane/protocol/batchCycle.ts';
import { readPublication } from '../../src/control-plane/protocol/publication.ts';
import { Kafka, logLevel } from 'kafkajs';
import { generateEvents } from '../../src/demo/events.ts';
import { produceRecords } from '../../src/demo/produce.ts';
import { stackEndpoints } from './stack.ts';
import { cli } from './support/cli.ts';
import { endpointsFor, examplePipelines } from './support/pipelineFixture.ts';
import { stopDeployment } from './support/stopDeployment.ts';

/**
 * Serving shows the served version recorded in the catalog, whatever operators do: a deploy killed
 * inside the first batch of a new version, a scheduler started before that deploy, a view changed
 * behind the control plane's back.
 */
describe('serving follows the served version recorded in the catalog', () => {
  const namespace = `sv${Date.now().toString(36)}`;
  let dir: string;
  let env: Record<string, string>;
  let before: ControlPlane;
  let control: ControlPlane;
  const open = () => openControlPlane(dir, endpointsFor(stackEndpoints(), namespace));
  const shownVersion = async () => {
    const runtime = control.runtimeOf(control.metric('hourly_revenue'));
    const view = unionViewOf(runtime, { cutover: '' });
    return (await control.batchDeps().serving.servedView(view.path))?.version ?? null;
  };

  let topics: { page_views: string; orders: string };

  beforeAll(async () => {
    ({ dir, topics } = await examplePipelines(namespace));
    env = { LAMBDALAKE_NAMESPACE: namespace };
    before = await open();
    await deploy(before);
    // A fix of hourly_revenue's SQL: a new version.
    const sqlFile = join(dir, 'sql', 'metrics', 'hourly_revenue.sql');
    await writeFile(
      sqlFile,
      (await readFile(sqlFile, 'utf8'))
        .replace(/^\s*product,$/m, '  UPPER(product) AS product,')
        .replace(
          'GROUP BY FLOOR(event_time TO HOUR), product',
          'GROUP BY FLOOR(event_time TO HOUR), UPPER(product)',
        ),
    );
    control = await open();
    expect(control.metric('hourly_revenue').version).not.toBe(
      before.metric('hourly_revenue').version,
    );
  }, 300_000);

  afterAll(async () => {
    await stopDeployment(control, namespace);
    await before?.close();
  });

  test('deploy killed after the new version published but before serving switched: the next deploy switches serving', async () => {
    const oldVersion = before.metric('hourly_revenue').version;
    const newVersion = control.metric('hourly_revenue').version;
    // A backlog the new version's speed job must work through before serving may switch to it.
    const producer = new Kafka({
      clientId: 'it-serving-follows',
      brokers: stackEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    await produceRecords(
      producer,
      topics,
      generateEvents({
        seed: 8,
        startMs: Date.now() - 2 * 3_600_000,
        endMs: Date.now() - 1000,
        pageViews: 0,
        orders: 3000,
      }),
    );
    await producer.disconnect();
    const source = control.sourceOf(control.metric('hourly_revenue')).topic;
    const logEnd = await control.batchDeps().log.logEnd(source);
    const killed = await cli(['deploy', '--dir', dir], {
      ...env,
      LAMBDALAKE_CRASH_AFTER: 'register',
    });
    expect(killed.code, killed.stderr).toBe(137);
    const table = (await control.tables.loadTable(control.metric('hourly_revenue').batchTable))!;
    expect(readPublication(table.properties, table.refs)?.version).toBe(newVersion);
    expect(await shownVersion()).toBe(oldVersion);
    const again = await cli(['deploy', '--dir', dir], env);
    expect(again.code, again.stderr).toBe(0);
    expect(await shownVersion()).toBe(newVersion);
    // Serving switched (in the second deploy) only once the new speed job had caught up.
    const speedGroup = control.runtimeOf(control.metric('hourly_revenue')).speedGroupId;
    const committed = await control.batchDeps().log.committed(speedGroup, source);
    for (const [partition, end] of Object.entries(logEnd))
      expect(BigInt(committed[Number(partition)] ?? '-1')).toBeGreaterThanOrEqual(BigInt(end));
    const status = JSON.parse((await cli(['status', '--dir', dir, '--json'], env)).stdout) as {
      metrics: { metric: string; servedVersion: string }[];
    };
    expect(status.metrics.find((m) => m.metric === 'hourly_revenue')?.servedVersion).toBe(
      newVersion,
    );
  }, 600_000);

  test('a scheduler that loaded the old definitions never registers them: it stops, or reloads and runs the served version', async () => {
    const newVersion = control.metric('hourly_revenue').version;
    const events: SchedulerEvent[] = [];
    const signal = new AbortController().signal;
    await expect(
      runScheduler(before, { signal, maxCycles: 3, log: (e) => events.push(e) }),
    ).rejects.toThrow(/catalog serves version/);
    expect(await shownVersion()).toBe(newVersion);
    events.length = 0;
    await runScheduler(before, {
      signal,
      maxCycles: 4,
      log: (e) => events.push(e),
      reload: open,
    });
    expect(events.filter((e) => e.outcome === 'reloaded').map((e) => e.metric)).toEqual([
      'hourly_revenue',
    ]);
    expect(events.filter((e) => e.outcome === 'done').length).toBe(3);
    expect(await shownVersion()).toBe(newVersion);
  }, 600_000);

  test('a view changed behind the control plane’s back is repaired by deploy, then by any batch cycle', async () => {
    const newVersion = control.metric('hourly_revenue').version;
    const oldRuntime = before.runtimeOf(before.metric('hourly_revenue'));
    const oldTable = (await control.tables.loadTable(oldRuntime.batchTable))!;
    const serving = control.batchDeps().serving;
    await serving.registerUnionView(
      unionViewOf(oldRuntime, readPublication(oldTable.properties, oldTable.refs)!),
    );
    expect(await shownVersion()).not.toBe(newVersion);
    const plan = JSON.parse(
      (await cli(['deploy', '--dir', dir, '--dry-run', '--json'], env)).stdout,
    ) as { actions: string[] };
    expect(plan.actions).toEqual([
      expect.stringMatching(/^repair the union view of hourly_revenue: serving shows version/),
    ]);
    expect((await cli(['deploy', '--dir', dir], env)).code).toBe(0);
    expect(await shownVersion()).toBe(newVersion);

    await serving.registerUnionView(
      unionViewOf(oldRuntime, readPublication(oldTable.properties, oldTable.refs)!),
    );
    const batch = await cli(['batch', 'hourly_revenue', '--dir', dir], env);
    expect(batch.code, batch.stderr).toBe(0);
    expect(batch.stderr).toMatch(/repairing serving: serving shows version/);
    expect(await shownVersion()).toBe(newVersion);
  }, 600_000);
});
