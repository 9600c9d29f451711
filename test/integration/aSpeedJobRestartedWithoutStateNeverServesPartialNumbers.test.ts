import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openControlPlane, type ControlPlane } from '../../src/control-plane/controlPlane.ts';
import { deploy } from '../../src/control-plane/commands/deploy.ts';
import { deploymentStatus } from '../../src/control-plane/commands/status.ts';
import { runBatchCycle } from '../../src/control-plane/protocol/batchCycle.ts';
import { generateEvents, type ProducedRecord } from '../../src/demo/events.ts';
import { hourlyRevenue, type HourlyRevenueRow } from '../../src/demo/oracle.ts';
import { produceRecords } from '../../src/demo/produce.ts';
import { silentProgress, stackStatus, stackUp } from '../../src/stack/index.ts';
import { stackEndpoints } from './stack.ts';
import { eventually } from './support/eventually.ts';
import { endpointsFor, examplePipelines, servingPgConfig } from './support/pipelineFixture.ts';
import { stopDeployment } from './support/stopDeployment.ts';

const HOUR = 3_600_000;
const MINUTE = 60_000;

/**
 * A JobManager without HA forgets its jobs when it restarts: deploy then starts the speed jobs with
 * no state, and a speed job rebuilding its windows from the cutover emits partial values on the
 * way. Those must never reach a query: the restarted job writes a new generation of its topic and
 * serving switches to it only once the job has caught up.
 */
describe('a speed job restarted without state', () => {
  const namespace = `sg${Date.now().toString(36)}`;
  let control: ControlPlane;
  let producer: Producer;
  let records: ProducedRecord[] = [];
  let topics: { page_views: string; orders: string };

  const query = async (client: pg.Client): Promise<HourlyRevenueRow[]> =>
    (
      await client.query(
        `SELECT to_char(hour, 'YYYY-MM-DD"T"HH24:MI:SS".000Z"') AS hour, product, CAST(revenue AS VARCHAR) AS revenue, CAST(orders AS INTEGER) AS orders FROM ${namespace}.hourly_revenue ORDER BY 1, 2`,
      )
    ).rows as HourlyRevenueRow[];

  beforeAll(async () => {
    const project = await examplePipelines(namespace);
    topics = project.topics;
    control = await openControlPlane(project.dir, endpointsFor(stackEndpoints(), namespace));
    await deploy(control);
    producer = new Kafka({
      clientId: 'it-speed-generation',
      brokers: stackEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 20 },
    }).producer();
    await producer.connect();
    const now = Date.now();
    // Two days of real-clock history for the batch side, and a dense last few minutes for the
    // speed side: enough records that rebuilding them takes the restarted job several updates per
    // window, each one a partial value if it were served.
    records = [
      ...generateEvents({
        seed: 31,
        startMs: now - 50 * HOUR,
        endMs: now - 20 * MINUTE,
        pageViews: 0,
        orders: 600,
      }),
      ...generateEvents({
        seed: 32,
        startMs: now - 6 * MINUTE,
        endMs: now,
        pageViews: 0,
        orders: 30_000,
      }),
    ];
    await produceRecords(producer, topics, records);
    // The protocol's own cutover: history goes to the batch side.
    const cycle = await runBatchCycle(control.runtimeOf(control.metric('hourly_revenue')), {
      ...control.batchDeps(),
      batchTimeoutMs: 240_000,
      ingestionTimeoutMs: 180_000,
    });
    expect(cycle.state).toBe('done');
  }, 600_000);

  afterAll(async () => {
    await producer?.disconnect();
    await stackUp(silentProgress);
    await stopDeployment(control, namespace);
  }, 120_000);

  test('after a JobManager restart, every query during the recovery shows the exact numbers, and serving moves to the new generation once it caught up', async () => {
    const oracle = hourlyRevenue(records);
    const client = new pg.Client(servingPgConfig());
    await client.connect();
    try {
      expect(await eventually(() => query(client), oracle, { timeoutMs: 180_000 })).toEqual(oracle);
      const path = [namespace, 'hourly_revenue'];
      const serving = control.batchDeps().serving;
      const before = (await serving.servedView(path))!.speed.topic;

      // Queries run throughout: no new orders arrive, so every answer must equal the oracle.
      const said: string[] = [];
      let stop = false;
      let queries = 0;
      const wrong: { at: string; rows: number; differs: string }[] = [];
      const querying = (async () => {
        while (!stop) {
          const rows = await query(client);
          queries++;
          if (JSON.stringify(rows) !== JSON.stringify(oracle)) {
            const differs = rows.find((r, i) => JSON.stringify(r) !== JSON.stringify(oracle[i]));
            wrong.push({
              at: new Date().toISOString(),
              rows: rows.length,
              differs: JSON.stringify(differs),
            });
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      })();

      try {
        const jm = (await stackStatus()).find((s) => s.name === 'flink-jobmanager');
        expect(jm?.pid).toBeTruthy();
        process.kill(jm!.pid!, 'SIGKILL');
        for (let i = 0; i < 100; i++) {
          if (!(await stackStatus()).find((s) => s.name === 'flink-jobmanager')?.pid) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        await stackUp(silentProgress);
        // The restarted JobManager knows no job of this deployment.
        expect(
          (await control.engine.jobs()).filter(
            (j) => j.name.startsWith(`${namespace}-`) && j.state === 'RUNNING',
          ),
        ).toEqual([]);
        await deploy(control, { say: (m) => said.push(m) });
        // The restarted jobs may still be rebuilding their windows after deploy returns: keep
        // querying while they do (30k orders take a restarted job well under this).
        await new Promise((r) => setTimeout(r, 20_000));
      } finally {
        stop = true;
        await querying;
      }

      expect(queries).toBeGreaterThan(50);
      expect(wrong).toEqual([]);
      expect(said.join('\n')).toMatch(/writing speed generation 1/);
      const after = (await serving.servedView(path))!.speed.topic;
      expect(before).not.toMatch(/\.g\d+$/);
      expect(after).toBe(`${before}.g1`);
      const status = await deploymentStatus(control);
      expect(status.metrics.find((m) => m.metric === 'hourly_revenue')!.switchPending).toBe(null);
      // The new generation is live: orders produced now are counted.
      records = [
        ...records,
        ...generateEvents({
          seed: 33,
          startMs: Date.now() - MINUTE,
          endMs: Date.now(),
          pageViews: 0,
          orders: 5,
        }),
      ];
      await produceRecords(producer, topics, records.slice(-5));
      expect(await eventually(() => query(client), hourlyRevenue(records))).toEqual(
        hourlyRevenue(records),
      );
    } finally {
      await client.end();
    }
  }, 600_000);
});
