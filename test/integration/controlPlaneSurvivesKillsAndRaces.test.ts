import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openControlPlane, type ControlPlane } from '../../src/control-plane/controlPlane.ts';
import { chooseCutover } from '../../src/control-plane/protocol/cutover.ts';
import { readPublication } from '../../src/control-plane/protocol/publication.ts';
import { generateEvents, type ProducedRecord } from '../../src/demo/events.ts';
import { hourlyRevenue } from '../../src/demo/oracle.ts';
import { produceRecords } from '../../src/demo/produce.ts';
import { stackEndpoints } from './stack.ts';
import { cli } from './support/cli.ts';
import { endpointsFor, examplePipelines, servingPgConfig } from './support/pipelineFixture.ts';
import { stopDeployment } from './support/stopDeployment.ts';

const HOUR = 3_600_000;

describe('the control plane survives kills and races', () => {
  const namespace = `cr${Date.now().toString(36)}`;
  let dir: string;
  let env: Record<string, string>;
  let control: ControlPlane;
  let records: ProducedRecord[] = [];

  beforeAll(async () => {
    const project = await examplePipelines(namespace);
    dir = project.dir;
    env = { LAMBDALAKE_NAMESPACE: namespace };
    control = await openControlPlane(dir, endpointsFor(stackEndpoints(), namespace));
    // Orders two to three hours before the cutover any batch run now will choose.
    const cutover = chooseCutover(new Date(), 10 * 60_000, HOUR).getTime();
    records = generateEvents({
      seed: 3,
      startMs: cutover - 3 * HOUR,
      endMs: cutover - 2 * HOUR,
      pageViews: 0,
      orders: 120,
      duplicateRate: 0.05,
    });
    const producer = new Kafka({
      clientId: 'it-crash',
      brokers: stackEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    // The topics do not exist before deploy: let the producer create them as deploy would.
    const admin = new Kafka({
      clientId: 'it-crash-admin',
      brokers: stackEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: project.topics.orders, numPartitions: 1 },
        { topic: project.topics.page_views, numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
    await admin.disconnect();
    await produceRecords(producer, project.topics, records);
    await producer.disconnect();
  }, 60_000);

  afterAll(async () => {
    await stopDeployment(control, namespace);
  });

  test('deploy killed after each of its actions in turn: running it again finishes, and then there is nothing left to do', async () => {
    const planned = JSON.parse(
      (await cli(['deploy', '--dir', dir, '--dry-run', '--json'], env)).stdout,
    ) as { actions: string[] };
    expect(planned.actions.length).toBeGreaterThan(10);
    const killedAfter: string[] = [];
    for (let run = 0; run <= planned.actions.length + 2; run++) {
      const result = await cli(['deploy', '--dir', dir], {
        ...env,
        LAMBDALAKE_CRASH_AFTER_ACTION: '1',
      });
      if (result.code === 0) break;
      expect(result.code).toBe(137);
      killedAfter.push(
        result.stderr
          .trim()
          .split('\n')
          .filter((l) => !l.startsWith(' '))
          .at(-1) ?? '',
      );
    }
    // One kill per action (the last run may finish exactly at its last action).
    expect(killedAfter.length).toBeGreaterThanOrEqual(planned.actions.length - 1);
    const after = JSON.parse(
      (await cli(['deploy', '--dir', dir, '--dry-run', '--json'], env)).stdout,
    ) as { actions: string[] };
    expect(after.actions).toEqual([]);
    const status = JSON.parse((await cli(['status', '--dir', dir, '--json'], env)).stdout) as {
      metrics: {
        servedVersion: string | null;
        version: string;
        publication: unknown;
        speedJob: { state: string } | null;
      }[];
      sources: { ingestionJob: { state: string } | null }[];
    };
    for (const m of status.metrics) {
      expect(m.servedVersion).toBe(m.version);
      expect(m.publication).not.toBeNull();
      expect(m.speedJob?.state).toBe('RUNNING');
    }
    for (const s of status.sources) expect(s.ingestionJob?.state).toBe('RUNNING');
  }, 900_000);

  test('batch killed after each step: running it again completes, and the published snapshot is exact', async () => {
    for (const step of [
      'choose-cutover',
      'wait-ingestion',
      'run-batch',
      'validate',
      'publish',
      'register',
    ]) {
      const killed = await cli(['batch', 'hourly_revenue', '--dir', dir], {
        ...env,
        LAMBDALAKE_CRASH_AFTER: step,
      });
      expect(killed.code, `${step}: ${killed.stderr}`).toBe(137);
      const batchTable = (await control.tables.loadTable(
        control.metric('hourly_revenue').batchTable,
      ))!;
      const killedRun = batchTable.properties['lambdalake.run.runId'];
      const again = await cli(['batch', 'hourly_revenue', '--dir', dir, '--json'], env);
      expect(again.code, `after a kill at ${step}: ${again.stderr}`).toBe(0);
      const [outcome] = JSON.parse(again.stdout) as {
        state: string;
        record: { runId: string };
        stepsMs: Record<string, number>;
      }[];
      expect(outcome!.state).toBe('done');
      // The same run continues where it stopped (after a publish: at register, not a new cycle).
      expect(outcome!.record.runId, `after a kill at ${step}`).toBe(killedRun);
      if (step === 'register') expect(Object.keys(outcome!.stepsMs)).toEqual(['register']);
    }
    const client = new pg.Client(servingPgConfig());
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT to_char(hour, 'YYYY-MM-DD"T"HH24:MI:SS".000Z"') AS hour, product, CAST(revenue AS VARCHAR) AS revenue, CAST(orders AS INTEGER) AS orders FROM ${namespace}.hourly_revenue ORDER BY 1, 2`,
      );
      expect(rows).toEqual(hourlyRevenue(records));
    } finally {
      await client.end();
    }
  }, 900_000);

  test('batch --cutover outside the allowed range is refused, naming the range, and changes nothing', async () => {
    const metric = control.metric('hourly_revenue');
    const before = (await control.tables.loadTable(metric.batchTable))!;
    const own = chooseCutover(new Date(), metric.latenessMs, metric.grainMs).getTime();
    const future = await cli(
      ['batch', 'hourly_revenue', '--dir', dir, '--cutover', new Date(own + HOUR).toISOString()],
      env,
    );
    expect(future.code).toBe(1);
    expect(future.stderr).toMatch(/later than the protocol's own cutover/);
    expect(future.stderr).toMatch(/allowed: from \S+ to /);
    // The speed job started at deploy, reading from (its first cutover − lateness): hours before are not covered.
    const early = await cli(
      [
        'batch',
        'hourly_revenue',
        '--dir',
        dir,
        '--cutover',
        new Date(own - 5 * HOUR).toISOString(),
      ],
      env,
    );
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(
      /earlier than the first whole window the served speed job has read/,
    );
    const after = (await control.tables.loadTable(metric.batchTable))!;
    expect(readPublication(after.properties, after.refs)).toEqual(
      readPublication(before.properties, before.refs),
    );
    expect(after.properties['lambdalake.run.runId']).toBe(
      before.properties['lambdalake.run.runId'],
    );
  }, 120_000);

  test('two batch runs at once: one publishes, the other reports a conflict and changes nothing', async () => {
    const [a, b] = await Promise.all([
      cli(['batch', 'hourly_revenue', '--dir', dir, '--json'], env),
      cli(['batch', 'hourly_revenue', '--dir', dir, '--json'], env),
    ]);
    const outcomes = [a, b].map(
      (r) => (JSON.parse(r.stdout) as { state: string; record: { runId: string } }[])[0]!,
    );
    expect(outcomes.map((o) => o.state).sort()).toEqual(['conflict', 'done']);
    const loser = [a, b][outcomes.findIndex((o) => o.state === 'conflict')]!;
    expect(loser.code).toBe(1);
    const winner = outcomes.find((o) => o.state === 'done')!;
    const table = (await control.tables.loadTable(control.metric('hourly_revenue').batchTable))!;
    expect(readPublication(table.properties, table.refs)?.runId).toBe(winner.record.runId);
  }, 300_000);
});
