import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openControlPlane, type ControlPlane } from '../../src/control-plane/controlPlane.ts';
import { deploy } from '../../src/control-plane/commands/deploy.ts';
import { deploymentStatus } from '../../src/control-plane/commands/status.ts';
import { readPublication } from '../../src/control-plane/protocol/publication.ts';
import { runBatchCycle } from '../../src/control-plane/protocol/batchCycle.ts';
import { generateEvents, type ProducedRecord } from '../../src/demo/events.ts';
import { checkoutFunnel, dailyActiveUsers, hourlyRevenue } from '../../src/demo/oracle.ts';
import { produceRecords } from '../../src/demo/produce.ts';
import { stackEndpoints } from './stack.ts';
import { eventually as eventuallyEqual } from './support/eventually.ts';
import { endpointsFor, examplePipelines, servingPgConfig } from './support/pipelineFixture.ts';
import { stopDeployment } from './support/stopDeployment.ts';

/** This file's waits: 90 s, polling every 1000 ms. */
const eventually = <T>(read: () => Promise<T>, expected: unknown, timeoutMs = 90_000): Promise<T> =>
  eventuallyEqual(read, expected, { timeoutMs, pollMs: 1000 });

const HOUR = 3_600_000;
const floorTo = (ms: number, size: number) => Math.floor(ms / size) * size;
const iso = (column: string) => `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS".000Z"') AS ${column}`;

describe('the Lambda cycle on the real stack', () => {
  const namespace = `it${Date.now().toString(36)}`;
  let control: ControlPlane;
  let projectDir: string;
  let client: pg.Client;
  let records: ProducedRecord[] = [];
  let produceTopics: { page_views: string; orders: string };

  beforeAll(async () => {
    const { dir, topics } = await examplePipelines(namespace);
    projectDir = dir;
    produceTopics = topics;
    control = await openControlPlane(dir, endpointsFor(stackEndpoints(), namespace));
    client = new pg.Client(servingPgConfig());
    await client.connect();
  }, 60_000);

  afterAll(async () => {
    await client?.end();
    await stopDeployment(control, namespace);
  });

  test('deploy creates everything and publishes a first batch per metric; a second deploy does nothing', async () => {
    const first = await deploy(control);
    const kinds = first.actions.map((a) => a.kind);
    expect(kinds.filter((k) => k === 'start-job')).toHaveLength(5);
    expect(first.batches.map((b) => b.outcome.state)).toEqual(['done', 'done', 'done']);
    const again = await deploy(control);
    expect(again.actions).toEqual([]);
  }, 240_000);

  test('after a batch cycle, every union view equals the oracle: batch exact below the cutover, speed from it on, both deduplicated', async () => {
    const now = Date.now();
    records = generateEvents({
      seed: 11,
      startMs: now - 3 * HOUR,
      endMs: now - 2000,
      pageViews: 600,
      orders: 300,
      duplicateRate: 0.05,
      lateRate: 0,
      shuffleWindow: 20,
    });
    const kafka = new Kafka({
      clientId: 'it-producer',
      brokers: stackEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    await produceRecords(producer, produceTopics, records);
    await producer.disconnect();

    // The protocol's own cutover, floor_to_grain(T0 − lateness), over real-clock history.
    const cutovers: Record<string, number> = {};
    for (const metric of control.compiled.metrics) {
      const outcome = await runBatchCycle(control.runtimeOf(metric), control.batchDeps());
      expect(outcome.state).toBe('done');
      cutovers[metric.name] = Date.parse(outcome.publication!.cutover);
      const t0 = Date.parse(outcome.record.t0!);
      expect(cutovers[metric.name]).toBe(floorTo(t0 - metric.latenessMs, metric.grainMs));
    }

    const unique = records.filter((r) => !r.duplicate);
    const revenueCutover = cutovers.hourly_revenue!;
    const expectedRevenue = [
      ...hourlyRevenue(unique, { before: revenueCutover }),
      // The speed layer keeps the first copy of each dedupe key too (issue 14).
      ...hourlyRevenue(unique, { from: revenueCutover }),
    ];
    const revenue = await eventually(async () => {
      const { rows } = await client.query(
        `SELECT ${iso('hour')}, product, CAST(revenue AS VARCHAR) AS revenue, CAST(orders AS INTEGER) AS orders FROM ${namespace}.hourly_revenue ORDER BY 1, 2`,
      );
      return rows as unknown[];
    }, expectedRevenue);
    expect(revenue).toEqual(expectedRevenue);

    const funnelCutover = cutovers.checkout_funnel!;
    const expectedFunnel = [
      ...checkoutFunnel(unique, { before: funnelCutover }),
      ...checkoutFunnel(unique, { from: funnelCutover }),
    ];
    const funnel = await eventually(async () => {
      const { rows } = await client.query(
        `SELECT ${iso('hour')}, CAST(product_views AS INTEGER) AS product_views, CAST(cart_views AS INTEGER) AS cart_views, CAST(purchases AS INTEGER) AS purchases FROM ${namespace}.checkout_funnel ORDER BY 1`,
      );
      return rows as unknown[];
    }, expectedFunnel);
    expect(funnel).toEqual(expectedFunnel);

    const dauCutover = cutovers.daily_active_users!;
    const expectedDau = [
      ...dailyActiveUsers(unique, { before: dauCutover }),
      ...dailyActiveUsers(unique, { from: dauCutover }),
    ];
    const dau = await eventually(async () => {
      const { rows } = await client.query(
        `SELECT ${iso('day')}, country, CAST(active_users AS INTEGER) AS active_users FROM ${namespace}.daily_active_users ORDER BY 1, 2`,
      );
      return rows as unknown[];
    }, expectedDau);
    expect(dau).toEqual(expectedDau);
  }, 300_000);

  test('status shows every source ingested and every metric published with its jobs running', async () => {
    // The cycle pinned a snapshot proven to hold every record; the ingestion group commits its
    // offsets after the Iceberg commit of the same checkpoint, so its lag reaches 0 just after.
    const laggingSources = async () =>
      (await deploymentStatus(control)).sources.filter((s) => s.lag !== 0).map((s) => s.source);
    expect(await eventuallyEqual(laggingSources, [], { timeoutMs: 30_000, pollMs: 500 })).toEqual(
      [],
    );
    const status = await deploymentStatus(control);
    expect(status.namespace).toBe(namespace);
    expect(status.sources.map((s) => [s.source, s.ingestionJob?.state, s.lag])).toEqual([
      ['orders', 'RUNNING', 0],
      ['page_views', 'RUNNING', 0],
    ]);
    expect(status.sources.every((s) => s.masterSnapshotId)).toBe(true);
    for (const m of status.metrics) {
      expect(m.servedVersion).toBe(m.version);
      expect(m.speedJob?.state).toBe('RUNNING');
      expect(m.lastRun?.state).toBe('done');
      expect(m.lastRun?.durationMs).toBeGreaterThan(0);
      // '' is an empty batch side (nothing below the cutover yet): published, with no snapshot.
      expect(m.publication?.snapshotId).toMatch(/^\d*$/);
      expect(m.publicationAgeS).toBeGreaterThanOrEqual(0);
    }
    expect(status.metrics.filter((m) => m.publication?.snapshotId).length).toBeGreaterThan(0);
    // The published snapshots are the ones the batch tables' tag points at, read back from Iceberg.
    for (const m of status.metrics) {
      const table = await control.tables.loadTable(control.metric(m.metric).batchTable);
      expect(readPublication(table!.properties, table!.refs)?.snapshotId).toBe(
        m.publication?.snapshotId,
      );
    }
  }, 60_000);

  test('a killed ingestion job is restarted by deploy from its last retained checkpoint', async () => {
    const name = `${namespace}-ingest-orders`;
    const running = (await control.engine.jobs()).find(
      (j) => j.name === name && j.state === 'RUNNING',
    );
    expect(running).toBeDefined();
    await control.engine.cancel(running!.jobId);
    await control.engine.jobManager.waitForState(running!.jobId, ['CANCELED'], 30_000);
    const result = await deploy(control);
    // Its definition did not change, so it is only started again, from its own checkpoint.
    expect(result.actions).toEqual([
      {
        kind: 'start-job',
        job: expect.objectContaining({ name, kind: 'ingestion', owner: 'orders' }),
        restoreFromJobId: running!.jobId,
      },
    ]);
    const restarted = (await control.engine.jobs()).filter(
      (j) => j.name === name && j.jobId !== running!.jobId,
    );
    expect(restarted.map((j) => j.state)).toContainEqual(
      expect.stringMatching(/RUNNING|INITIALIZING|CREATED/),
    );
  }, 120_000);
  test('a metric removed from pipelines/ stops being served and its speed job stops; its batch table stays', async () => {
    await rm(join(projectDir, 'pipelines', 'metrics', 'checkout_funnel.yaml'));
    await rm(join(projectDir, 'sql', 'metrics', 'checkout_funnel.sql'));
    const funnel = control.metric('checkout_funnel');
    const reduced = await openControlPlane(projectDir, control.endpoints);
    try {
      const result = await deploy(reduced);
      expect(result.actions.map((a) => a.kind)).toEqual(['stop-job', 'unserve-metric']);
      const jobs = await reduced.engine.jobs();
      const speed = jobs.filter((j) => j.name === funnel.speedJobName);
      expect(speed.map((j) => j.state).filter((s) => s === 'RUNNING')).toEqual([]);
      await expect(
        client.query(`SELECT count(*) FROM ${namespace}.checkout_funnel`),
      ).rejects.toThrow(/checkout_funnel/);
      expect(await reduced.tables.loadTable(funnel.batchTable)).not.toBeNull();
      const { rows } = await client.query(`SELECT count(*) AS n FROM ${namespace}.hourly_revenue`);
      expect(Number(rows[0].n)).toBeGreaterThan(0);
      expect((await deploy(reduced)).actions).toEqual([]);
    } finally {
      await reduced.close();
    }
  }, 120_000);
});
