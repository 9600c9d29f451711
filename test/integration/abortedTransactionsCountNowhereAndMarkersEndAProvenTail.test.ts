import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readSnapshotFiles, SchemeFileIO } from '../../src/iceberg/index.ts';
import { runBatchCycle } from '../../src/control-plane/protocol/batchCycle.ts';
import { openControlPlane, type ControlPlane } from '../../src/control-plane/controlPlane.ts';
import { deploy } from '../../src/control-plane/commands/deploy.ts';
import { metricVersions } from '../../src/control-plane/commands/status.ts';
import { stackEndpoints } from './stack.ts';
import { clicksProject } from './support/clicksProject.ts';
import { clicksByHourAndCampaign, type ClickRecord } from './support/clicksRecords.ts';
import { eventually } from './support/eventually.ts';
import { endpointsFor, servingPgConfig } from './support/pipelineFixture.ts';
import { stopDeployment } from './support/stopDeployment.ts';

const HOUR = 3_600_000;
const sqlTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/** `count` clicks `prefix0…` spread from `fromMs` to `toMs` over the given partitions. */
function clicks(
  prefix: string,
  count: number,
  fromMs: number,
  toMs: number,
  partitions: number[],
): ClickRecord[] {
  const campaigns = ['spring', 'summer', null];
  return Array.from({ length: count }, (_, i) => {
    const click = {
      click_id: `${prefix}${i}`,
      campaign: campaigns[i % 3]!,
      costCents: 100 + ((i * 37) % 900),
      eventMs: fromMs + Math.floor(((toMs - fromMs) * i) / Math.max(1, count - 1)),
    };
    const value = Buffer.from(
      JSON.stringify({
        click_id: click.click_id,
        campaign: click.campaign,
        cost: (click.costCents / 100).toFixed(2),
        event_time: sqlTime(click.eventMs),
      }),
    );
    return {
      source: 'clicks',
      partition: partitions[i % partitions.length]!,
      value,
      click,
      reason: null,
    };
  });
}

/**
 * Issue 15 on the real stack, for a source written by a transactional producer: records of an
 * aborted transaction count in neither the batch layer nor the speed layer, and a partition whose
 * log ends in transaction markers (a commit marker above its last record, or an aborted
 * transaction and its marker) still has a proven master snapshot with the protocol's own cutover
 * over two days of real-clock history.
 */
describe('aborted transactions count nowhere, and transaction markers end a proven tail', () => {
  const namespace = `tx${Date.now().toString(36)}`;
  const now = Date.now();
  // Committed: two days of history on every partition, the last minute on the speed side.
  const history = clicks('c', 600, now - 50 * HOUR, now - 60_000, [0, 1, 2]);
  // Aborted in the middle of the log: old and recent event times, so either layer would show them.
  const abortedOld = clicks('aborted-old', 30, now - 40 * HOUR, now - 2 * HOUR, [0, 1, 2]);
  const abortedNew = clicks('aborted-new', 30, now - 30_000, now - 1000, [0, 1, 2]);
  // Committed last on partitions 0 and 1: their logs end in a commit marker above the last record.
  const tail = clicks('t', 30, now - 20 * HOUR, now - 1000, [0, 1]);
  // Aborted last on partition 2: its log ends in aborted records and their abort marker.
  const abortedLast = clicks('aborted-last', 20, now - 10 * HOUR, now - 1000, [2]);
  const committed = [...history, ...tail];
  let control: ControlPlane;
  let client: pg.Client;
  let kafka: Kafka;
  let topic: string;
  let dir: string;

  beforeAll(async () => {
    const project = await clicksProject(namespace);
    topic = project.topics.clicks;
    dir = project.dir;
    for (const f of [
      'pipelines/sources/clicks_ms.yaml',
      'pipelines/metrics/campaign_clicks_ms.yaml',
      'sql/metrics/campaign_clicks_ms.sql',
    ])
      await rm(join(project.dir, f));
    control = await openControlPlane(project.dir, endpointsFor(stackEndpoints(), namespace));
    client = new pg.Client(servingPgConfig());
    await client.connect();
    kafka = new Kafka({
      clientId: 'it-transactions',
      brokers: stackEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
  }, 60_000);

  afterAll(async () => {
    await client?.end();
    await stopDeployment(control, namespace);
  });

  const view = async () => {
    const { rows } = await client.query(
      `SELECT to_char(hour, 'YYYY-MM-DD HH24:MI:SS') AS hour, campaign, CAST(clicks AS INTEGER) AS clicks, CAST(cost AS VARCHAR) AS cost FROM ${namespace}.campaign_clicks ORDER BY hour, campaign NULLS FIRST`,
    );
    return rows as unknown[];
  };
  const masterRows = async () => {
    const source = control.compiled.sources[0]!;
    const meta = (
      await control.catalog.loadTable({
        namespace: [source.masterTable.namespace],
        name: source.masterTable.name,
      })
    ).metadata;
    const files = await readSnapshotFiles(meta, new SchemeFileIO());
    return files.dataFiles.reduce((n, f) => n + f.recordCount, 0);
  };
  const inTransaction = async (
    producer: Producer,
    records: ClickRecord[],
    end: 'commit' | 'abort',
  ) => {
    const transaction = await producer.transaction();
    await transaction.send({
      topic,
      messages: records.map((r) => ({ partition: r.partition, value: r.value })),
    });
    await (end === 'commit' ? transaction.commit() : transaction.abort());
  };

  test('the batch proves completeness over logs ending in markers; the union view equals the oracle of committed records only', async () => {
    const deployed = await deploy(control);
    expect(deployed.batches.map((b) => b.outcome.state)).toEqual(['done']);

    const producer = kafka.producer({
      transactionalId: `it-${namespace}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      await inTransaction(producer, history, 'commit');
      await inTransaction(producer, [...abortedOld, ...abortedNew], 'abort');
      await inTransaction(producer, tail, 'commit');
      await inTransaction(producer, abortedLast, 'abort');
    } finally {
      await producer.disconnect();
    }
    // Every partition's log end lies above its last committed record: markers (and on partition 2
    // aborted records) fill the tail the proof must accept.
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
    const recordsOn = (p: number) =>
      [history, abortedOld, abortedNew, tail, abortedLast].flat().filter((r) => r.partition === p)
        .length;
    for (const { partition, high } of ends)
      expect(Number(high)).toBeGreaterThan(recordsOn(partition));

    const metric = control.compiled.metrics[0]!;
    const outcome = await runBatchCycle(control.runtimeOf(metric), control.batchDeps());
    expect(outcome.state).toBe('done');
    const cutover = Date.parse(outcome.publication!.cutover);
    // Two days of history on the batch side; aborted records on both sides of the cutover.
    expect(committed.filter((r) => r.click!.eventMs < cutover).length).toBeGreaterThan(500);
    expect(committed.some((r) => r.click!.eventMs >= cutover)).toBe(true);
    expect(abortedOld.every((r) => r.click!.eventMs < cutover)).toBe(true);
    expect(abortedNew.every((r) => r.click!.eventMs >= cutover)).toBe(true);
    const table = (await control.tables.loadTable(control.runtimeOf(metric).batchTable))!;
    expect(table.properties['lambdalake.run.completeness']).toMatch(
      /^proven on the master snapshot \(\d+ data file\(s\) read, 0 dead letter\(s\) in the tail\)$/,
    );
    // The master holds the committed records and nothing of an aborted transaction.
    expect(await masterRows()).toBe(committed.length);
    const expected = clicksByHourAndCampaign(committed, 'clicks');
    expect(await eventually(view, expected, { timeoutMs: 120_000 })).toEqual(expected);
  }, 400_000);

  test('a new version switches although its speed job’s committed offsets stop below logs ending in markers', async () => {
    // The same counts written another way: a new version whose rows equal the old one's.
    const sqlFile = join(dir, 'sql', 'metrics', 'campaign_clicks.sql');
    await writeFile(
      sqlFile,
      (await readFile(sqlFile, 'utf8')).replace('COUNT(*) AS clicks', 'COUNT(click_id) AS clicks'),
    );
    const old = control;
    control = await openControlPlane(dir, endpointsFor(stackEndpoints(), namespace));
    await old.close();
    const oldVersion = old.compiled.metrics[0]!.version;
    const newVersion = control.compiled.metrics[0]!.version;
    expect(newVersion).not.toBe(oldVersion);
    // The switch waits for the new speed job to reach the log end; Flink commits the offset after
    // the last record it read, below the markers (and partition 2's aborted records) ending each log.
    const result = await deploy(control);
    expect(result.batches.map((b) => b.outcome.state)).toEqual(['done']);
    expect((await metricVersions(control, 'campaign_clicks')).find((v) => v.served)?.version).toBe(
      newVersion,
    );
    const expected = clicksByHourAndCampaign(committed, 'clicks');
    expect(await eventually(view, expected, { timeoutMs: 120_000 })).toEqual(expected);
  }, 400_000);
});
