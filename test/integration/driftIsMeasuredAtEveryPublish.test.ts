import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runBatchCycle } from '../../src/control-plane/protocol/batchCycle.ts';
import { openControlPlane, type ControlPlane } from '../../src/control-plane/controlPlane.ts';
import { deploy } from '../../src/control-plane/commands/deploy.ts';
import { deploymentStatus } from '../../src/control-plane/commands/status.ts';
import { generateEvents, type ProducedRecord } from '../../src/demo/events.ts';
import { hourlyRevenue } from '../../src/demo/oracle.ts';
import { produceRecords } from '../../src/demo/produce.ts';
import { stackEndpoints } from './stack.ts';
import { endpointsFor, examplePipelines, servingPgConfig } from './support/pipelineFixture.ts';
import { stopDeployment } from './support/stopDeployment.ts';

const HOUR = 3_600_000;

interface DriftRow {
  metric: string;
  measure: string;
  previous_cutover: Date;
  cutover: Date;
  windows_compared: string;
  windows_only_speed: string;
  windows_only_batch: string;
  windows_differing: string;
}

/** Drift as a dashboard reads it: the namespace's lambdalake_drift view, over PostgreSQL. */
describe('drift between the layers is measured at every publish and served as data', () => {
  const namespace = `dr${Date.now().toString(36)}`;
  let control: ControlPlane;
  let producer: Producer;
  let records: ProducedRecord[] = [];
  let c0 = 0;

  beforeAll(async () => {
    const project = await examplePipelines(namespace);
    control = await openControlPlane(project.dir, endpointsFor(stackEndpoints(), namespace));
    const first = await deploy(control);
    c0 = Date.parse(
      first.batches.find((b) => b.metric === 'hourly_revenue')!.outcome.publication!.cutover,
    );
    producer = new Kafka({
      clientId: 'it-drift',
      brokers: stackEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    // Orders over three hours from the served cutover, duplicates included (each order id twice
    // for the first 20): the speed layer keeps the first copy, as the batch layer does.
    const orders = generateEvents({
      seed: 21,
      startMs: c0,
      endMs: c0 + 3 * HOUR,
      pageViews: 0,
      orders: 150,
    });
    records = [...orders, ...orders.slice(0, 20).map((r) => ({ ...r, duplicate: true }))];
    await produceRecords(producer, project.topics, records);
  }, 300_000);

  afterAll(async () => {
    await producer?.disconnect();
    await stopDeployment(control, namespace);
  });

  test('on the clean path every window moving to the batch side is compared and none differs, duplicates included', async () => {
    const client = new pg.Client(servingPgConfig());
    await client.connect();
    try {
      // The speed side must hold every order before the publish measures it.
      const expected = hourlyRevenue(records);
      let served = '';
      for (let i = 0; i < 120 && served !== JSON.stringify(expected); i++) {
        const { rows } = await client.query(
          `SELECT to_char(hour, 'YYYY-MM-DD"T"HH24:MI:SS".000Z"') AS hour, product, CAST(revenue AS VARCHAR) AS revenue, CAST(orders AS INTEGER) AS orders FROM ${namespace}.hourly_revenue ORDER BY 1, 2`,
        );
        served = JSON.stringify(rows);
        if (served !== JSON.stringify(expected)) await new Promise((r) => setTimeout(r, 1000));
      }
      expect(JSON.parse(served)).toEqual(expected);

      const cutover = c0 + 2 * HOUR;
      const outcome = await runBatchCycle(
        control.runtimeOf(control.metric('hourly_revenue')),
        { ...control.batchDeps(), batchTimeoutMs: 240_000, ingestionTimeoutMs: 180_000 },
        { cutover: new Date(cutover), outsideBackfillRange: true },
      );
      expect(outcome.state).toBe('done');

      const moved = hourlyRevenue(records, { from: c0, before: cutover });
      const { rows } = await client.query<DriftRow>(
        `SELECT metric, measure, previous_cutover, cutover, windows_compared, windows_only_speed, windows_only_batch, windows_differing FROM ${namespace}.lambdalake_drift WHERE metric = 'hourly_revenue' ORDER BY measure`,
      );
      expect(rows.map((r) => r.measure)).toEqual(['orders', 'revenue']);
      for (const r of rows) {
        expect(r.previous_cutover.getTime()).toBe(c0);
        expect(r.cutover.getTime()).toBe(cutover);
        expect(Number(r.windows_compared)).toBe(moved.length);
        expect(Number(r.windows_only_speed)).toBe(0);
        expect(Number(r.windows_only_batch)).toBe(0);
        expect(Number(r.windows_differing)).toBe(0);
      }
      expect(moved.length).toBeGreaterThan(3);
      // The same report is kept with the run in the catalog, and status shows it.
      const status = await deploymentStatus(control);
      const revenue = status.metrics.find((m) => m.metric === 'hourly_revenue')!;
      expect(revenue.lastRun?.drift).toMatchObject({
        previousCutover: new Date(c0).toISOString(),
        cutover: new Date(cutover).toISOString(),
        windowsCompared: moved.length,
        windowsOnlySpeed: 0,
        windowsOnlyBatch: 0,
      });
      expect(revenue.lastRun?.drift?.measures.map((m) => m.windowsDiffering)).toEqual([0, 0]);
    } finally {
      await client.end();
    }
  }, 400_000);
});
