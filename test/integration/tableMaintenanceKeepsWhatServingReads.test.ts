import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openControlPlane, type ControlPlane } from '../../src/control-plane/controlPlane.ts';
import { deploy } from '../../src/control-plane/commands/deploy.ts';
import { maintainTables } from '../../src/control-plane/commands/tableMaintenance.ts';
import { deploymentStatus } from '../../src/control-plane/commands/status.ts';
import { runBatchCycle } from '../../src/control-plane/protocol/batchCycle.ts';
import { readPublication } from '../../src/control-plane/protocol/publication.ts';
import { generateEvents } from '../../src/demo/events.ts';
import { produceRecords } from '../../src/demo/produce.ts';
import { stackEndpoints } from './stack.ts';
import { endpointsFor, examplePipelines, servingPgConfig } from './support/pipelineFixture.ts';
import { stopDeployment } from './support/stopDeployment.ts';

const HOUR = 3_600_000;

describe('table maintenance keeps what serving reads', () => {
  const namespace = `mt${Date.now().toString(36)}`;
  let control: ControlPlane;
  let producer: Producer;
  let topics: { page_views: string; orders: string };

  const burst = async (seed: number) => {
    await produceRecords(
      producer,
      topics,
      generateEvents({
        seed,
        startMs: Date.now() - 3 * HOUR,
        endMs: Date.now() - 1000,
        pageViews: 0,
        orders: 50,
      }),
    );
    // Ingestion commits the master table on each checkpoint: one snapshot per burst at least.
    await new Promise((r) => setTimeout(r, 2500));
  };

  beforeAll(async () => {
    const project = await examplePipelines(namespace);
    topics = project.topics;
    control = await openControlPlane(project.dir, endpointsFor(stackEndpoints(), namespace));
    await deploy(control);
    producer = new Kafka({
      clientId: 'it-maintenance',
      brokers: stackEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
  }, 300_000);

  afterAll(async () => {
    await producer?.disconnect();
    await stopDeployment(control, namespace);
  });

  test('expiring every old snapshot keeps the published and pinned ones; serving answers the same; the next cycle runs', async () => {
    for (let i = 0; i < 4; i++) await burst(100 + i);
    const metric = control.metric('hourly_revenue');
    const cycle = await runBatchCycle(control.runtimeOf(metric), control.batchDeps());
    expect(cycle.state).toBe('done');
    for (let i = 0; i < 3; i++) await burst(200 + i);
    const masterRef = control.sourceOf(metric).masterTable;
    const master = { namespace: masterRef.namespace, name: masterRef.name };
    const before = (await control.tables.loadTable(master))!;
    const published = readPublication(
      (await control.tables.loadTable(metric.batchTable))!.properties,
      (await control.tables.loadTable(metric.batchTable))!.refs,
    )!;
    expect(before.snapshots.length).toBeGreaterThan(4);
    const client = new pg.Client(servingPgConfig());
    await client.connect();
    const query = `SELECT hour, product, CAST(revenue AS VARCHAR) AS revenue FROM ${namespace}.hourly_revenue ORDER BY 1, 2`;
    try {
      const served = (await client.query(query)).rows;
      const report = await maintainTables(control, {
        compaction: false,
        retainMs: 0,
        keepNewest: 1,
      });
      expect(report.failed).toEqual([]);
      const results = report.expiry;
      const after = (await control.tables.loadTable(master))!;
      const masterResult = results.find((r) => r.table === `${master.namespace}.${master.name}`)!;
      expect(masterResult.expired).toBeGreaterThan(0);
      expect(after.snapshots.length).toBeLessThan(before.snapshots.length);
      const ids = new Set(after.snapshots.map((s) => s.snapshotId));
      expect(ids.has(published.masterSnapshotId!)).toBe(true);
      expect(ids.has(after.currentSnapshotId!)).toBe(true);
      const batch = (await control.tables.loadTable(metric.batchTable))!;
      if (published.snapshotId)
        expect(batch.snapshots.map((s) => s.snapshotId)).toContain(published.snapshotId);
      expect((await client.query(query)).rows).toEqual(served);
      const status = await deploymentStatus(control);
      const source = status.sources.find((s) => s.source === metric.source)!;
      expect(source.masterTable).toEqual({
        snapshots: after.snapshots.length,
        dataFiles: expect.any(Number),
      });
      const next = await runBatchCycle(control.runtimeOf(metric), control.batchDeps());
      expect(next.state).toBe('done');
    } finally {
      await client.end();
    }
  }, 300_000);
});
