import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openControlPlane, type ControlPlane } from '../../src/control-plane/controlPlane.ts';
import { deploy } from '../../src/control-plane/commands/deploy.ts';
import { metricVersions } from '../../src/control-plane/commands/status.ts';
import { runBatchCycle } from '../../src/control-plane/protocol/batchCycle.ts';
import { flinkTimestamp, generateEvents, type ProducedRecord } from '../../src/demo/events.ts';
import { hourlyRevenue, type HourlyRevenueRow } from '../../src/demo/oracle.ts';
import { produceRecords } from '../../src/demo/produce.ts';
import { stackEndpoints } from './stack.ts';
import { endpointsFor, examplePipelines, servingPgConfig } from './support/pipelineFixture.ts';
import { stopDeployment } from './support/stopDeployment.ts';

const HOUR = 3_600_000;

/**
 * The guarantees users adopt lambdalake for, each against the oracle (src/demo/oracle.ts), on one
 * namespace whose events lie in the hours after the first cutover, so later publishes can move the
 * cutover forward hour by hour through windows the speed layer already holds.
 */
describe('Lambda guarantees on the real stack', () => {
  const namespace = `gu${Date.now().toString(36)}`;
  let dir: string;
  let control: ControlPlane;
  let client: pg.Client;
  let producer: Producer;
  let topics: { page_views: string; orders: string };
  let records: ProducedRecord[] = [];
  let c0 = 0;

  const revenue = async (view = 'hourly_revenue'): Promise<HourlyRevenueRow[]> => {
    const { rows } = await client.query(
      `SELECT to_char(hour, 'YYYY-MM-DD"T"HH24:MI:SS".000Z"') AS hour, product, CAST(revenue AS VARCHAR) AS revenue, CAST(orders AS INTEGER) AS orders FROM ${namespace}.${view} ORDER BY 1, 2`,
    );
    return rows as HourlyRevenueRow[];
  };
  const eventually = async (expected: unknown, timeoutMs = 60_000): Promise<HourlyRevenueRow[]> => {
    const deadline = Date.now() + timeoutMs;
    let last = await revenue();
    while (Date.now() < deadline && JSON.stringify(last) !== JSON.stringify(expected)) {
      await new Promise((r) => setTimeout(r, 500));
      last = await revenue();
    }
    return last;
  };
  // Explicit future cutovers, outside the backfill range on purpose: the seam test moves the cutover
  // through five hour boundaries, but a fresh deployment's range, [first whole window its speed job
  // read, floor(now − lateness)], starts at c0 (the speed job reads from c0 − lateness) and grows
  // by one boundary per real hour, so five past cutovers inside it would take five hours.
  const batchAt = async (cutoverMs: number) => {
    const outcome = await runBatchCycle(
      control.runtimeOf(control.metric('hourly_revenue')),
      control.batchDeps(),
      { cutover: new Date(cutoverMs), outsideBackfillRange: true },
    );
    expect(outcome.state).toBe('done');
    return outcome;
  };

  beforeAll(async () => {
    ({ dir, topics } = await examplePipelines(namespace));
    control = await openControlPlane(dir, endpointsFor(stackEndpoints(), namespace));
    const first = await deploy(control);
    const published = first.batches.find((b) => b.metric === 'hourly_revenue')!.outcome
      .publication!;
    c0 = Date.parse(published.cutover);
    client = new pg.Client(servingPgConfig());
    await client.connect();
    producer = new Kafka({
      clientId: 'it-guarantees',
      brokers: stackEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    // Five hours of orders from the first cutover on, no duplicates: batch and speed agree on them.
    records = generateEvents({
      seed: 5,
      startMs: c0,
      endMs: c0 + 5 * HOUR,
      pageViews: 0,
      orders: 250,
      shuffleWindow: 30,
    });
    await produceRecords(producer, topics, records);
  }, 300_000);

  afterAll(async () => {
    await producer?.disconnect();
    await client?.end();
    await stopDeployment(control, namespace);
  });

  test('seam: while 8 clients query through 5 publishes moving the cutover hour by hour, none sees a window twice or missing', async () => {
    const expected = hourlyRevenue(records);
    expect(await eventually(expected)).toEqual(expected);
    let stop = false;
    const wrong: string[] = [];
    const queriers = Array.from({ length: 8 }, async () => {
      const own = new pg.Client(servingPgConfig());
      await own.connect();
      let queries = 0;
      try {
        while (!stop && queries < 100_000) {
          queries++;
          const { rows } = await own.query(
            `SELECT to_char(hour, 'YYYY-MM-DD"T"HH24:MI:SS".000Z"') AS hour, product, CAST(revenue AS VARCHAR) AS revenue, CAST(orders AS INTEGER) AS orders FROM ${namespace}.hourly_revenue ORDER BY 1, 2`,
          );
          if (JSON.stringify(rows) !== JSON.stringify(expected))
            wrong.push(JSON.stringify(rows).slice(0, 300));
        }
      } finally {
        await own.end();
      }
      return queries;
    });
    // Handlers are attached to every querier now: one failing while the batches run must fail
    // this test, not leave an unhandled rejection that fails the whole run after it.
    const finished = Promise.all(queriers);
    finished.catch(() => undefined);
    try {
      for (let h = 1; h <= 5; h++) await batchAt(c0 + h * HOUR);
    } finally {
      stop = true;
    }
    const counts = await finished;
    expect(Math.min(...counts)).toBeGreaterThan(5);
    expect(wrong).toEqual([]);
    // Every window now comes from the batch side.
    expect(await revenue()).toEqual(expected);
  }, 300_000);

  test('duplicates never double-count in batch results', async () => {
    const dupes = records.slice(0, 20).map((r) => ({ ...r, duplicate: true }));
    await produceRecords(producer, topics, dupes);
    await batchAt(c0 + 5 * HOUR);
    expect(await revenue()).toEqual(hourlyRevenue(records));
  }, 120_000);

  test('a late event is absent from its window until the next batch cycle, then exact', async () => {
    const lateTime = c0 + 2 * HOUR + 17 * 60_000; // well below the published cutover c0 + 5h
    const late: ProducedRecord = {
      source: 'orders',
      key: `late-${namespace}`,
      value: {
        order_id: `late-${namespace}`,
        user_id: 'u-late',
        product: 'sofa',
        amount: '499.00',
        event_time: flinkTimestamp(lateTime),
      },
      eventTimeMs: lateTime,
      late: true,
      duplicate: false,
    };
    await produceRecords(producer, topics, [late]);
    await new Promise((r) => setTimeout(r, 3000)); // the speed layer has it by now; the batch side does not
    expect(await revenue()).toEqual(hourlyRevenue(records));
    await batchAt(c0 + 5 * HOUR);
    records = [...records, late];
    expect(await revenue()).toEqual(hourlyRevenue(records));
  }, 120_000);

  test("bug fix: a changed SQL is a new version; after its first batch all history follows it, and every query during the switch equals one version's oracle", async () => {
    const sqlFile = join(dir, 'sql', 'metrics', 'hourly_revenue.sql');
    // The "fix": products are reported upper-case, so every row tells which version produced it.
    await writeFile(
      sqlFile,
      (await readFile(sqlFile, 'utf8'))
        .replace(/^\s*product,$/m, '  UPPER(product) AS product,')
        .replace(
          'GROUP BY FLOOR(event_time TO HOUR), product',
          'GROUP BY FLOOR(event_time TO HOUR), UPPER(product)',
        ),
    );
    const old = control;
    control = await openControlPlane(dir, endpointsFor(stackEndpoints(), namespace));
    await old.close();
    const oldVersion = old.metric('hourly_revenue').version;
    const newVersion = control.metric('hourly_revenue').version;
    expect(newVersion).not.toBe(oldVersion);

    // Every query during the switch answers exactly one version's numbers, all of them right: the
    // old version's oracle or the new one's (products upper-case), never a mix or a partial side.
    const upperOracle = hourlyRevenue(
      records.map((r) => ({
        ...r,
        value: { ...r.value, product: (r.value as { product: string }).product.toUpperCase() },
      })),
    );
    const answers = new Set([JSON.stringify(hourlyRevenue(records)), JSON.stringify(upperOracle)]);
    let stop = false;
    const mixed: string[] = [];
    const wrong: string[] = [];
    const querier = (async () => {
      let queries = 0;
      while (!stop && queries < 100_000) {
        queries++;
        const rows = await revenue();
        const products = rows.map((r) => r.product);
        const upper = products.filter((p) => p === p.toUpperCase()).length;
        if (upper !== 0 && upper !== products.length) mixed.push(products.join(','));
        else if (!answers.has(JSON.stringify(rows)) && wrong.length < 5)
          wrong.push(JSON.stringify(rows));
      }
      return queries;
    })();
    // Keep one version only, so the switch also retires the old version's table and topic.
    process.env.LAMBDALAKE_KEEP_VERSIONS = '1';
    const result = await deploy(control).finally(() => delete process.env.LAMBDALAKE_KEEP_VERSIONS);
    stop = true;
    expect(await querier).toBeGreaterThan(5);
    expect(mixed).toEqual([]);
    expect(wrong).toEqual([]);
    expect(result.actions.map((a) => a.kind)).toEqual([
      'create-topic',
      'create-table',
      'start-job',
      'first-batch',
      'switch-version',
      'stop-job',
    ]);
    // The new version's first batch chose its own (earlier) cutover; one more cycle at the old
    // version's cutover puts every window of these events on the (deduplicated) batch side.
    await batchAt(c0 + 5 * HOUR);
    expect(await eventually(upperOracle)).toEqual(upperOracle);
    expect(
      (await metricVersions(control, 'hourly_revenue')).map((v) => [v.version, v.served]),
    ).toEqual([[newVersion, true]]);
    expect(await control.admin.listTopics()).not.toContain(
      `${namespace}.speed.hourly_revenue.v${oldVersion}`,
    );
    const jobs = await control.engine.jobs();
    expect(
      jobs.filter(
        (j) =>
          j.name === `${namespace}-speed-hourly_revenue-v${oldVersion}` && j.state === 'RUNNING',
      ),
    ).toEqual([]);
  }, 300_000);
});
