import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readSnapshotFiles, SchemeFileIO } from '../../src/iceberg/index.ts';
import { runBatchCycle } from '../../src/control-plane/protocol/batchCycle.ts';
import { openControlPlane, type ControlPlane } from '../../src/control-plane/controlPlane.ts';
import { deploy } from '../../src/control-plane/commands/deploy.ts';
import { stackEndpoints } from './stack.ts';
import { clicksProject } from './support/clicksProject.ts';
import { endpointsFor, servingPgConfig } from './support/pipelineFixture.ts';
import { stopDeployment } from './support/stopDeployment.ts';

const HOUR = 3_600_000;

interface Click {
  id: string;
  campaign: string | null;
  cents: number;
  eventMs: number;
  partition: number;
}

const sqlTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/** Clicks over the last 50 hours of real-clock history, on 3 partitions, unique ids. */
function history(now: number, count: number): Click[] {
  const campaigns = ['spring', 'summer', null];
  return Array.from({ length: count }, (_, i) => ({
    id: `c${i}`,
    campaign: campaigns[i % 3]!,
    cents: 100 + ((i * 37) % 900),
    eventMs: now - 50 * HOUR + Math.floor(((50 * HOUR - 2000) * i) / count),
    partition: (i * 7) % 3,
  }));
}

/** The oracle: clicks and cost per hour and campaign, each click once. */
function oracle(clicks: Click[]): unknown[] {
  const groups = new Map<string, { hour: string; campaign: string | null; n: number; c: number }>();
  for (const k of clicks) {
    const hour = sqlTime(Math.floor(k.eventMs / HOUR) * HOUR).slice(0, 19);
    const key = `${hour}|${k.campaign}`;
    const g = groups.get(key) ?? { hour, campaign: k.campaign, n: 0, c: 0 };
    g.n += 1;
    g.c += k.cents;
    groups.set(key, g);
  }
  return [...groups.values()]
    .sort((a, b) => {
      // ORDER BY hour, campaign NULLS FIRST
      if (a.hour !== b.hour) return a.hour < b.hour ? -1 : 1;
      if (a.campaign === null || b.campaign === null) return a.campaign === null ? -1 : 1;
      return a.campaign < b.campaign ? -1 : 1;
    })
    .map((g) => ({
      hour: g.hour,
      campaign: g.campaign,
      clicks: g.n,
      cost: (g.c / 100).toFixed(2),
    }));
}

/**
 * Issue 15, item 1, on the real stack: a 3-partition source without a dedupe key, ingested by a job
 * of parallelism 2, whose partitions end in dead letters. The batch pins a master snapshot only
 * once it is proven to hold every record up to T0's log end, using the protocol's own cutover over
 * two days of real-clock history; and after an ingestion restart without a checkpoint re-ingests
 * every record, each click still counts once.
 */
describe('completeness is proven on the master snapshot, and a record ingested twice counts once', () => {
  const namespace = `cp${Date.now().toString(36)}`;
  const now = Date.now();
  const clicks = history(now, 600);
  let control: ControlPlane;
  let client: pg.Client;
  let kafka: Kafka;
  let topic: string;
  /** Clicks produced after the first history, by the tests that follow it. */
  const produced: Click[] = [];

  beforeAll(async () => {
    const project = await clicksProject(namespace);
    topic = project.topics.clicks;
    // One source, no dedupe key, ingestion parallelism 2.
    const sourceFile = join(project.dir, 'pipelines', 'sources', 'clicks.yaml');
    const yaml = (await readFile(sourceFile, 'utf8')).replace(
      'dedupe_key: click_id',
      'ingestion_parallelism: 2',
    );
    await writeFile(sourceFile, yaml);
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
      clientId: 'it-completeness',
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
  const eventually = async (expected: unknown[]) => {
    const deadline = Date.now() + 120_000;
    let last = await view();
    while (Date.now() < deadline && JSON.stringify(last) !== JSON.stringify(expected)) {
      await new Promise((r) => setTimeout(r, 1000));
      last = await view();
    }
    return last;
  };
  const produce = async (batch: Click[], bad: { partition: number; text: string }[] = []) => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        ...batch.map((k) => ({
          partition: k.partition,
          value: JSON.stringify({
            click_id: k.id,
            campaign: k.campaign,
            cost: (k.cents / 100).toFixed(2),
            event_time: sqlTime(k.eventMs),
          }),
        })),
        ...bad.map((b) => ({ partition: b.partition, value: b.text })),
      ],
    });
    await producer.disconnect();
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

  test('the batch pins a proven snapshot with the protocol’s own cutover: the union view equals the oracle', async () => {
    const deployed = await deploy(control);
    expect(deployed.batches.map((b) => b.outcome.state)).toEqual(['done']);
    // Every partition ends in a record ingestion cannot accept: the proof must count dead letters.
    await produce(
      clicks,
      [0, 1, 2].map((partition) => ({ partition, text: `not json ${partition}` })),
    );
    const metric = control.compiled.metrics[0]!;
    const outcome = await runBatchCycle(control.runtimeOf(metric), control.batchDeps());
    expect(outcome.state).toBe('done');
    const cutover = Date.parse(outcome.publication!.cutover);
    // Two days of history on the batch side, the last hour on the speed side.
    expect(clicks.filter((k) => k.eventMs < cutover).length).toBeGreaterThan(500);
    expect(clicks.some((k) => k.eventMs >= cutover)).toBe(true);
    const table = (await control.tables.loadTable(control.runtimeOf(metric).batchTable))!;
    expect(table.properties['lambdalake.run.completeness']).toMatch(
      /^proven on the master snapshot \(\d+ data file\(s\) read, 3 dead letter\(s\) in the tail\)$/,
    );
    expect(await eventually(oracle(clicks))).toEqual(oracle(clicks));
  }, 400_000);

  test('an ingestion restart without a checkpoint re-ingests every record; the next cycle still counts each once', async () => {
    const source = control.compiled.sources[0]!;
    const before = await masterRows();
    expect(before).toBe(clicks.length);
    // Stop ingestion without a savepoint and forget its group offsets: a fresh job reads the topic
    // again from the start, as after a lost checkpoint directory.
    for (const job of await control.engine.jobs())
      if (job.name === source.ingestionJobName && job.state === 'RUNNING')
        await control.engine.cancel(job.jobId);
    const admin = kafka.admin();
    await admin.connect();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const deleted = await admin.deleteGroups([source.ingestionGroupId]).then(
        () => true,
        () => false,
      );
      if (deleted || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    await admin.disconnect();
    await control.engine.submitScript(source.ingestionScript, {
      mode: 'streaming',
      jobName: source.ingestionJobName,
      config: source.ingestionConfig,
    });
    const late = history(Date.now(), 30).map((k, i) => ({
      ...k,
      id: `late${i}`,
      eventMs: Date.now() - 2000 - i,
    }));
    await produce(late);
    const all = [...clicks, ...late];
    // Wait until the master holds every record twice (the re-ingested copies) plus the new ones.
    const waitUntil = Date.now() + 180_000;
    let rows = await masterRows();
    while (rows < 2 * clicks.length + late.length && Date.now() < waitUntil) {
      await new Promise((r) => setTimeout(r, 2000));
      rows = await masterRows();
    }
    expect(rows).toBe(2 * clicks.length + late.length);
    const metric = control.compiled.metrics[0]!;
    const outcome = await runBatchCycle(control.runtimeOf(metric), control.batchDeps());
    expect(outcome.state).toBe('done');
    expect(await eventually(oracle(all))).toEqual(oracle(all));
    produced.push(...late);
  }, 400_000);

  test('events late by the clock are absent until the next cycle, then exact; events produced during the cycle are all served', async () => {
    const metric = control.compiled.metrics[0]!;
    const before = [...clicks, ...produced];
    // Late by the clock: event times 30 to 3 hours ago, below the published cutover, produced now.
    const late = Array.from({ length: 20 }, (_, i) => ({
      id: `clock-late${i}`,
      campaign: i % 2 ? 'spring' : null,
      cents: 250 + i,
      eventMs: Date.now() - 30 * HOUR + (i * (27 * HOUR)) / 20,
      partition: i % 3,
    }));
    await produce(late);
    await new Promise((r) => setTimeout(r, 5000));
    // The speed layer saw them, but the union view serves windows below C from the batch side only.
    expect(await view()).toEqual(oracle(before));
    // Orders keep arriving while the cycle runs.
    const during: Click[] = [];
    let producing = true;
    const producer = (async () => {
      for (let i = 0; producing && i < 500; i++) {
        const batch = [0, 1, 2].map((partition) => ({
          id: `during${i}-${partition}`,
          campaign: 'summer',
          cents: 100 + i,
          eventMs: Date.now(),
          partition,
        }));
        during.push(...batch);
        await produce(batch);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    let outcome;
    try {
      outcome = await runBatchCycle(control.runtimeOf(metric), control.batchDeps());
    } finally {
      producing = false;
      await producer;
    }
    expect(outcome.state).toBe('done');
    expect(during.length).toBeGreaterThan(0);
    const all = [...before, ...late, ...during];
    expect(await eventually(oracle(all))).toEqual(oracle(all));
  }, 400_000);
});
