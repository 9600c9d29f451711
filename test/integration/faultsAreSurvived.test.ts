import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openControlPlane, type ControlPlane } from '../../src/control-plane/controlPlane.ts';
import { deploy } from '../../src/control-plane/commands/deploy.ts';
import {
  runBatchCycle,
  type BatchCycleOutcome,
} from '../../src/control-plane/protocol/batchCycle.ts';
import { readPublication } from '../../src/control-plane/protocol/publication.ts';
import { generateEvents, type ProducedRecord } from '../../src/demo/events.ts';
import { hourlyRevenue, type HourlyRevenueRow } from '../../src/demo/oracle.ts';
import { produceRecords } from '../../src/demo/produce.ts';
import { silentProgress, stackStatus, stackUp } from '../../src/stack/index.ts';
import { stackEndpoints } from './stack.ts';
import { endpointsFor, examplePipelines, servingPgConfig } from './support/pipelineFixture.ts';

const HOUR = 3_600_000;

async function kill(service: 'flink-taskmanager' | 'serving' | 'kafka'): Promise<void> {
  const status = (await stackStatus()).find((s) => s.name === service);
  if (!status?.pid) throw new Error(`${service} is not running as part of this stack`);
  process.kill(status.pid, 'SIGKILL');
  for (let i = 0; i < 100; i++) {
    if (!(await stackStatus()).find((s) => s.name === service)?.pid) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${service} (pid ${status.pid}) did not exit`);
}

/**
 * Orders late by the clock: event times 30 to 3 hours before now, produced now, so below any
 * cutover the protocol picks (at most lateness 10 min + one hour grain before now).
 */
const lateOrders = (seed: number, orders: number): ProducedRecord[] =>
  generateEvents({
    seed,
    startMs: Date.now() - 30 * HOUR,
    endMs: Date.now() - 3 * HOUR,
    pageViews: 0,
    orders,
  });

/** Orders of the last minute: at or after any cutover the protocol picks, so served by speed. */
const freshOrders = (seed: number, orders: number): ProducedRecord[] =>
  generateEvents({ seed, startMs: Date.now() - 60_000, endMs: Date.now(), pageViews: 0, orders });

/**
 * Faults on the shared stack over two days of real-clock history, every batch with the protocol's
 * own cutover; each test restarts what it killed with `stack up` and waits for recovery.
 */
describe('faults are survived', () => {
  const namespace = `fa${Date.now().toString(36)}`;
  let control: ControlPlane;
  let producer: Producer;
  let topics: { page_views: string; orders: string };
  /** Every order produced so far, and those of them late by the clock since the last batch. */
  let records: ProducedRecord[] = [];
  let late: ProducedRecord[] = [];
  /** What the union view serves: late orders stay absent until a batch covers their windows. */
  const served = () => hourlyRevenue(records.filter((r) => !late.includes(r)));

  const revenue = async (): Promise<HourlyRevenueRow[]> => {
    const client = new pg.Client(servingPgConfig());
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT to_char(hour, 'YYYY-MM-DD"T"HH24:MI:SS".000Z"') AS hour, product, CAST(revenue AS VARCHAR) AS revenue, CAST(orders AS INTEGER) AS orders FROM ${namespace}.hourly_revenue ORDER BY 1, 2`,
      );
      return rows as HourlyRevenueRow[];
    } finally {
      await client.end();
    }
  };
  const eventually = async (expected: unknown, timeoutMs = 120_000): Promise<unknown> => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown = null;
    while (Date.now() < deadline) {
      last = await revenue().catch((e: unknown) => String(e));
      if (JSON.stringify(last) === JSON.stringify(expected)) return last;
      await new Promise((r) => setTimeout(r, 1000));
    }
    return last;
  };
  /** One batch cycle with the cutover the protocol picks itself. */
  const batch = async (): Promise<BatchCycleOutcome> => {
    const outcome = await runBatchCycle(control.runtimeOf(control.metric('hourly_revenue')), {
      ...control.batchDeps(),
      batchTimeoutMs: 240_000,
      ingestionTimeoutMs: 180_000,
    });
    if (outcome.state === 'done') late = [];
    return outcome;
  };

  beforeAll(async () => {
    const project = await examplePipelines(namespace);
    topics = project.topics;
    control = await openControlPlane(project.dir, endpointsFor(stackEndpoints(), namespace));
    await deploy(control);
    producer = new Kafka({
      clientId: 'it-faults',
      brokers: stackEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 20 },
    }).producer();
    await producer.connect();
    // Two days of real-clock history up to a second ago.
    records = generateEvents({
      seed: 9,
      startMs: Date.now() - 50 * HOUR,
      endMs: Date.now() - 1000,
      pageViews: 0,
      orders: 200,
    });
    await produceRecords(producer, topics, records);
    const first = await batch();
    expect(first.state).toBe('done');
    // History on both sides of the cutover the protocol chose.
    const cutover = Date.parse(first.publication!.cutover);
    expect(records.filter((r) => r.eventTimeMs < cutover).length).toBeGreaterThan(150);
    expect(records.some((r) => r.eventTimeMs >= cutover)).toBe(true);
    expect(await eventually(served())).toEqual(served());
  }, 400_000);

  afterAll(async () => {
    await producer?.disconnect();
    await stackUp(silentProgress);
    if (control) {
      for (const job of await control.engine.jobs())
        if (
          job.name.startsWith(`${namespace}-`) &&
          job.state !== 'CANCELED' &&
          job.state !== 'FINISHED' &&
          job.state !== 'FAILED'
        )
          await control.engine.cancel(job.jobId).catch(() => undefined);
      await control.close();
    }
  }, 120_000);

  test('TaskManager killed during a batch job: the last publication keeps serving, and the cycle completes once it is back', async () => {
    const batchTable = control.metric('hourly_revenue').batchTable;
    const before = readPublication(
      (await control.tables.loadTable(batchTable))!.properties,
      (await control.tables.loadTable(batchTable))!.refs,
    );
    // Orders late by the clock: the speed layer sees them, but their windows are below the
    // cutover, so the union view leaves them out until a batch covers them.
    late = lateOrders(12, 25);
    records = [...records, ...late];
    await produceRecords(producer, topics, late);
    await new Promise((r) => setTimeout(r, 3000));
    const servedBefore = await revenue();
    expect(servedBefore).toEqual(served());
    expect(served()).not.toEqual(hourlyRevenue(records));
    const cycle = batch().catch((e: unknown) => e);
    // Bounded wait for the cycle's Flink job (the cycle first proves ingestion holds the late orders).
    let batchJobRunning = false;
    for (let i = 0; i < 1200 && !batchJobRunning; i++) {
      const props = (await control.tables.loadTable(batchTable))!.properties;
      batchJobRunning =
        props['lambdalake.run.state'] === 'run-batch' && !!props['lambdalake.run.jobId'];
      if (!batchJobRunning) await new Promise((r) => setTimeout(r, 50));
    }
    expect(batchJobRunning).toBe(true);
    await kill('flink-taskmanager');
    // The outage: the union view still answers, from the last publication (late orders still absent).
    expect(await revenue()).toEqual(servedBefore);
    const during = (await control.tables.loadTable(batchTable))!;
    expect(readPublication(during.properties, during.refs)?.snapshotId).toBe(before?.snapshotId);
    await stackUp(silentProgress);
    let outcome = await cycle;
    // Flink either restarts the job when slots return (the same cycle finishes) or fails it (a new one runs).
    if (!(outcome && typeof outcome === 'object' && 'state' in outcome && outcome.state === 'done'))
      outcome = await batch();
    const done = outcome as BatchCycleOutcome;
    expect(done.state).toBe('done');
    // A new publication, at the protocol's own cutover (never behind the one it replaces).
    expect(done.publication!.snapshotId).not.toBe(before!.snapshotId);
    expect(Date.parse(done.publication!.cutover)).toBeGreaterThanOrEqual(
      Date.parse(before!.cutover),
    );
    // The late orders are in: the cycle that finished after the outage read them from the master.
    expect(await eventually(hourlyRevenue(records))).toEqual(hourlyRevenue(records));
  }, 400_000);

  test('serving killed: PostgreSQL keeps answering the union views; orders produced meanwhile arrive once it is back, each applied once', async () => {
    const applied = hourlyRevenue(records);
    expect(await revenue()).toEqual(applied);
    await kill('serving');
    // The loader is down, the store is not: clients keep reading the last applied state.
    expect(await revenue()).toEqual(applied);
    // Orders of the last minute: the speed layer's, applied only by the loader.
    const meanwhile = freshOrders(11, 30);
    await produceRecords(producer, topics, meanwhile);
    records = [...records, ...meanwhile];
    await stackUp(silentProgress);
    // The restarted loader resumes from the offsets committed with the rows: exact, no double count.
    expect(await eventually(hourlyRevenue(records))).toEqual(hourlyRevenue(records));
  }, 180_000);

  test('Kafka restarted: speed views catch up and the master table loses nothing', async () => {
    await kill('kafka');
    await stackUp(silentProgress);
    // Orders of the last minute reach the union view through the speed layer; orders late by the
    // clock reach it only through the master table and the next batch.
    const fresh = freshOrders(10, 60);
    late = lateOrders(13, 20);
    await produceRecords(producer, topics, [...fresh, ...late]);
    records = [...records, ...fresh, ...late];
    expect(await eventually(served(), 180_000)).toEqual(served());
    // Every record, before and after the restart, is in the master table: a batch over all of
    // history is exact, the late orders produced after the restart included.
    expect((await batch()).state).toBe('done');
    expect(await revenue()).toEqual(hourlyRevenue(records));
  }, 400_000);
});
