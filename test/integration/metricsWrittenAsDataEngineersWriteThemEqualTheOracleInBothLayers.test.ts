import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { floorToGrain } from '../../src/control-plane/definitions/grain.ts';
import { runBatchCycle } from '../../src/control-plane/protocol/batchCycle.ts';
import { openControlPlane, type ControlPlane } from '../../src/control-plane/controlPlane.ts';
import { deploy } from '../../src/control-plane/commands/deploy.ts';
import { generateEvents, type ProducedRecord } from '../../src/demo/events.ts';
import { produceRecords } from '../../src/demo/produce.ts';
import { stackEndpoints } from './stack.ts';
import { eventually as eventuallyEqual } from './support/eventually.ts';
import { readUpsertTopic } from './support/upsertTopic.ts';
import { endpointsFor, servingPgConfig } from './support/pipelineFixture.ts';
import { SHAPE_QUERIES, shapesOracle, type OracleRow } from './support/shapesOracle.ts';
import { stopDeployment } from './support/stopDeployment.ts';

/** This file's waits: 120 s, polling every 1500 ms. */
const eventually = <T>(
  read: () => Promise<T>,
  expected: unknown,
  timeoutMs = 120_000,
): Promise<T> => eventuallyEqual(read, expected, { timeoutMs, pollMs: 1500 });

const REPO = resolve(import.meta.dirname, '..', '..');
const DAY = 86_400_000;

/** The shapes fixture with the example sources, its topics prefixed by the test's namespace. */
async function shapesProject(namespace: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `lambdalake-${namespace}-`));
  await cp(join(REPO, 'test', 'fixtures', 'shapes'), dir, { recursive: true });
  await cp(join(REPO, 'pipelines', 'sources'), join(dir, 'pipelines', 'sources'), {
    recursive: true,
  });
  for (const file of await readdir(join(dir, 'pipelines', 'sources'))) {
    const path = join(dir, 'pipelines', 'sources', file);
    const text = await readFile(path, 'utf8');
    await writeFile(
      path,
      text.replace(/^topic: (\S+)$/m, (_, t: string) => `topic: ${namespace}.${t}`),
    );
  }
  return dir;
}

/** Speed rows as OracleRows: ISO bucket, key, measures as text (DECIMAL with two places). */
function speedRows(metric: string, rows: Map<string, Record<string, unknown>>): OracleRow[] {
  const q = SHAPE_QUERIES[metric]!;
  return [...rows.values()]
    .map((v) => [
      new Date(`${String(v[q.grain]).replace(' ', 'T').replace(/Z?$/, 'Z')}`).toISOString(),
      q.key === null ? '' : String(v[q.key]),
      ...q.measures.map((m) => (m === 'revenue' ? Number(v[m]).toFixed(2) : String(v[m]))),
    ])
    .sort((a, b) => (a.join('|') < b.join('|') ? -1 : 1));
}

describe('metrics written as data engineers write them, on the real stack', () => {
  const namespace = `shp${Date.now().toString(36)}`;
  let control: ControlPlane;
  let client: pg.Client;
  let kafka: Kafka;
  let records: ProducedRecord[] = [];

  beforeAll(async () => {
    const dir = await shapesProject(namespace);
    control = await openControlPlane(dir, endpointsFor(stackEndpoints(), namespace));
    client = new pg.Client(servingPgConfig());
    await client.connect();
    kafka = new Kafka({
      clientId: 'it-shapes',
      brokers: stackEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
  }, 60_000);

  afterAll(async () => {
    await client?.end();
    await stopDeployment(control, namespace);
  });

  test('a 15-minute TVF, an ISO-week TVF, a month, a derived key and a CTE with aliases: batch == streaming == the oracle, through the protocol’s own cutover', async () => {
    const deployed = await deploy(control);
    expect(deployed.batches.map((b) => b.outcome.state)).toEqual(
      control.compiled.metrics.map(() => 'done'),
    );
    expect(control.compiled.metrics).toHaveLength(5);

    // Forty days of events, so the week and month grains have whole buckets on the batch side.
    const now = Date.now();
    records = generateEvents({
      seed: 17,
      startMs: now - 40 * DAY,
      endMs: now - 2000,
      pageViews: 500,
      orders: 400,
      duplicateRate: 0.05,
      lateRate: 0,
      shuffleWindow: 20,
    });
    const producer = kafka.producer();
    await producer.connect();
    await produceRecords(
      producer,
      { page_views: `${namespace}.page_views`, orders: `${namespace}.orders` },
      records,
    );
    await producer.disconnect();

    // The protocol's own cutover, floor_to_grain(T0 − lateness): a cutover computed here from the
    // clock would race it (floor(now) is refused as a backfill in the first `lateness` of a window).
    const cutovers: Record<string, number> = {};
    for (const metric of control.compiled.metrics) {
      const before = Date.now();
      const outcome = await runBatchCycle(control.runtimeOf(metric), control.batchDeps());
      expect(outcome.state, metric.name).toBe('done');
      cutovers[metric.name] = Date.parse(outcome.publication!.cutover);
      const lateness = metric.latenessMs;
      expect(cutovers[metric.name]).toBeGreaterThanOrEqual(
        floorToGrain(before - lateness, metric.grain),
      );
      expect(cutovers[metric.name]).toBeLessThanOrEqual(
        floorToGrain(Date.now() - lateness, metric.grain),
      );
    }
    // The week's batch side really holds whole weeks, and its cutover is a Monday.
    expect(new Date(cutovers.weekly_orders!).getUTCDay()).toBe(1);

    const all = shapesOracle(records);
    const belowCutover = shapesOracle(records, (m, bucket) => bucket < cutovers[m]!);
    expect(belowCutover.weekly_orders!.length).toBeGreaterThan(0);
    expect(belowCutover.monthly_orders!.length).toBeGreaterThan(0);
    // The month's cutover is the 1st, 00:00 UTC.
    expect(new Date(cutovers.monthly_orders!).getUTCDate()).toBe(1);
    for (const metric of Object.keys(SHAPE_QUERIES)) {
      const q = SHAPE_QUERIES[metric]!;
      // The union view: batch below the cutover, speed from it on.
      const served = await eventually(async () => {
        const { rows } = await client.query(
          `SELECT to_char(${q.grain}, 'YYYY-MM-DD"T"HH24:MI:SS".000Z"') AS g, ${q.key === null ? "''" : `CAST(${q.key} AS VARCHAR)`} AS k, ${q.measures.map((m) => `CAST(${m} AS VARCHAR) AS ${m}`).join(', ')} FROM ${namespace}.${metric} ORDER BY 1, 2`,
        );
        return (rows as Record<string, string>[]).map((r) => [
          r.g!,
          r.k!,
          ...q.measures.map((m) => r[m]!),
        ]);
      }, all[metric]!);
      expect(served, `${metric}: union view == oracle`).toEqual(all[metric]);
      // The streaming side alone (its upsert topic, every window it saw) == the oracle too: the
      // speed job started before the events were produced, so it saw all of them.
      const topic = control.metric(metric).speedTopic;
      const speed = await eventually(
        async () => speedRows(metric, await readUpsertTopic(kafka, topic)),
        all[metric]!,
      );
      expect(speed, `${metric}: speed topic == oracle`).toEqual(all[metric]);
    }
  }, 600_000);
});
