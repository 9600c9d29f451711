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

/** Faults on the shared stack; each test restarts what it killed with `stack up` and waits for recovery. */
describe('faults are survived', () => {
  const namespace = `fa${Date.now().toString(36)}`;
  let control: ControlPlane;
  let producer: Producer;
  let topics: { page_views: string; orders: string };
  let records: ProducedRecord[] = [];
  let c0 = 0;

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
  const batchAt = (cutoverMs: number): Promise<BatchCycleOutcome> =>
    runBatchCycle(
      control.runtimeOf(control.metric('hourly_revenue')),
      { ...control.batchDeps(), batchTimeoutMs: 240_000, ingestionTimeoutMs: 180_000 },
      { cutover: new Date(cutoverMs), outsideBackfillRange: true },
    );

  beforeAll(async () => {
    const project = await examplePipelines(namespace);
    topics = project.topics;
    control = await openControlPlane(project.dir, endpointsFor(stackEndpoints(), namespace));
    const first = await deploy(control);
    c0 = Date.parse(
      first.batches.find((b) => b.metric === 'hourly_revenue')!.outcome.publication!.cutover,
    );
    producer = new Kafka({
      clientId: 'it-faults',
      brokers: stackEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 20 },
    }).producer();
    await producer.connect();
    records = generateEvents({
      seed: 9,
      startMs: c0,
      endMs: c0 + 3 * HOUR,
      pageViews: 0,
      orders: 200,
    });
    await produceRecords(producer, topics, records);
    expect(await eventually(hourlyRevenue(records))).toEqual(hourlyRevenue(records));
    expect((await batchAt(c0 + HOUR)).state).toBe('done');
  }, 300_000);

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
    const served = await revenue();
    const cycle = batchAt(c0 + 2 * HOUR).catch((e: unknown) => e);
    for (let i = 0; i < 300; i++) {
      const props = (await control.tables.loadTable(batchTable))!.properties;
      if (props['lambdalake.run.state'] === 'run-batch' && props['lambdalake.run.jobId']) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await kill('flink-taskmanager');
    // The outage: the union view still answers, from the last publication.
    expect(await revenue()).toEqual(served);
    const during = (await control.tables.loadTable(batchTable))!;
    expect(readPublication(during.properties, during.refs)?.snapshotId).toBe(before?.snapshotId);
    await stackUp(silentProgress);
    let outcome = await cycle;
    // Flink either restarts the job when slots return (the same cycle finishes) or fails it (a new one runs).
    if (!(outcome && typeof outcome === 'object' && 'state' in outcome && outcome.state === 'done'))
      outcome = await batchAt(c0 + 2 * HOUR);
    expect((outcome as BatchCycleOutcome).state).toBe('done');
    expect((outcome as BatchCycleOutcome).publication?.cutover).toBe(
      new Date(c0 + 2 * HOUR).toISOString(),
    );
    expect(await eventually(hourlyRevenue(records))).toEqual(hourlyRevenue(records));
  }, 400_000);

  test('serving killed: PostgreSQL keeps answering the union views; orders produced meanwhile arrive once it is back, each applied once', async () => {
    const served = hourlyRevenue(records);
    expect(await revenue()).toEqual(served);
    await kill('serving');
    // The loader is down, the store is not: clients keep reading the last applied state.
    expect(await revenue()).toEqual(served);
    const meanwhile = generateEvents({
      seed: 11,
      startMs: c0 + 2 * HOUR,
      endMs: c0 + 3 * HOUR,
      pageViews: 0,
      orders: 30,
    });
    await produceRecords(producer, topics, meanwhile);
    records = [...records, ...meanwhile];
    await stackUp(silentProgress);
    // The restarted loader resumes from the offsets committed with the rows: exact, no double count.
    expect(await eventually(hourlyRevenue(records))).toEqual(hourlyRevenue(records));
  }, 180_000);

  test('Kafka restarted: speed views catch up and the master table loses nothing', async () => {
    await kill('kafka');
    await stackUp(silentProgress);
    const more = generateEvents({
      seed: 10,
      startMs: c0 + 2 * HOUR,
      endMs: c0 + 3 * HOUR,
      pageViews: 0,
      orders: 60,
    });
    await produceRecords(producer, topics, more);
    records = [...records, ...more];
    expect(await eventually(hourlyRevenue(records), 180_000)).toEqual(hourlyRevenue(records));
    // Every record, before and after the restart, is in the master table: a batch over all of it is exact.
    expect((await batchAt(c0 + 3 * HOUR)).state).toBe('done');
    expect(await revenue()).toEqual(hourlyRevenue(records));
  }, 400_000);
});
