import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openControlPlane, type ControlPlane } from '../../src/control-plane/controlPlane.ts';
import { deploy } from '../../src/control-plane/commands/deploy.ts';
import { runBatchCycle } from '../../src/control-plane/protocol/batchCycle.ts';
import type { DeadLetter } from '../../src/control-plane/compiler/deadLetters.ts';
import { stackEndpoints } from './stack.ts';
import { cli } from './support/cli.ts';
import { clicksProject } from './support/clicksProject.ts';
import {
  clicksByHourAndCampaign,
  clickRecords,
  lateClickRecords,
  type ClickRecord,
} from './support/clicksRecords.ts';
import { endpointsFor, servingPgConfig } from './support/pipelineFixture.ts';
import { stopDeployment } from './support/stopDeployment.ts';

/**
 * Issue 14 on the real stack: a 3-partition source fed good records in every time encoding over two
 * days of real-clock history, NULL keys, duplicates and one bad record of every kind, then records
 * late by the clock. Nothing may stop: with the protocol's own cutovers the union views equal the
 * oracle over the valid records (each click once in both layers), the dead-letter topic holds
 * exactly the bad records with their reasons, no job ever restarted, and `status --check` is healthy.
 */
describe('bad records go to dead letters and never stop a source', () => {
  const namespace = `dl${Date.now().toString(36)}`;
  const startedAt = Date.now();
  const records = clickRecords(startedAt);
  let dir: string;
  let topics: { clicks: string; clicks_ms: string };
  let control: ControlPlane;
  let client: pg.Client;

  beforeAll(async () => {
    ({ dir, topics } = await clicksProject(namespace));
    control = await openControlPlane(dir, endpointsFor(stackEndpoints(), namespace));
    client = new pg.Client(servingPgConfig());
    await client.connect();
  }, 60_000);

  afterAll(async () => {
    await client?.end();
    await stopDeployment(control, namespace);
  });

  const view = async (metric: string) => {
    const { rows } = await client.query(
      `SELECT CAST(hour AS VARCHAR) AS hour, campaign, CAST(clicks AS INTEGER) AS clicks, CAST(cost AS VARCHAR) AS cost FROM ${namespace}.${metric} ORDER BY hour, campaign NULLS FIRST`,
    );
    return rows as unknown[];
  };
  /** One batch cycle per metric with the cutover the protocol picks; the cutovers by metric. */
  const batchCycles = async (): Promise<Map<string, number>> => {
    const cutovers = new Map<string, number>();
    for (const metric of control.compiled.metrics) {
      const outcome = await runBatchCycle(control.runtimeOf(metric), control.batchDeps());
      expect(outcome.state).toBe('done');
      cutovers.set(metric.name, Date.parse(outcome.publication!.cutover));
    }
    return cutovers;
  };
  const produce = async (batch: ClickRecord[]) => {
    const kafka = new Kafka({
      clientId: 'it-bad-records',
      brokers: stackEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    for (const source of ['clicks', 'clicks_ms'] as const)
      await producer.send({
        topic: topics[source],
        messages: batch
          .filter((r) => r.source === source)
          .map((r) => ({ partition: r.partition, value: r.value })),
      });
    await producer.disconnect();
  };
  const eventually = async (read: () => Promise<unknown[]>, expected: unknown[]) => {
    const deadline = Date.now() + 90_000;
    let last = await read();
    while (Date.now() < deadline && JSON.stringify(last) !== JSON.stringify(expected)) {
      await new Promise((r) => setTimeout(r, 1000));
      last = await read();
    }
    return last;
  };

  test('deploy starts both sources and metrics; every record is produced across 3 partitions', async () => {
    const result = await deploy(control);
    expect(result.batches.map((b) => b.outcome.state)).toEqual(['done', 'done']);
    await produce(records);
    expect(new Set(records.filter((r) => r.source === 'clicks').map((r) => r.partition))).toEqual(
      new Set([0, 1, 2]),
    );
  }, 300_000);

  test('after a batch cycle the union views equal the oracle over the valid records, each click once in both layers, NULL campaigns as SQL NULL', async () => {
    const cutovers = await batchCycles();
    for (const [metric, source] of [
      ['campaign_clicks', 'clicks'],
      ['campaign_clicks_ms', 'clicks_ms'],
    ] as const) {
      const expected = clicksByHourAndCampaign(records, source);
      const cutoverMs = cutovers.get(metric)!;
      // The oracle has rows on both sides of the cutover, NULL campaigns among them.
      expect(expected.some((r) => Date.parse(`${r.hour}Z`) >= cutoverMs)).toBe(true);
      expect(expected.some((r) => Date.parse(`${r.hour}Z`) < cutoverMs)).toBe(true);
      expect(expected.some((r) => r.campaign === null)).toBe(true);
      expect(await eventually(() => view(metric), expected)).toEqual(expected);
    }
  }, 300_000);

  test('records late by the clock, bad ones and duplicates among them, are absent until the next cycle, then exact', async () => {
    const late = lateClickRecords(Date.now());
    expect(late.some((r) => r.reason)).toBe(true);
    await produce(late);
    records.push(...late);
    // The speed layer saw them, but their windows are below the cutover: served from batch only.
    await new Promise((r) => setTimeout(r, 5000));
    for (const [metric, source] of [
      ['campaign_clicks', 'clicks'],
      ['campaign_clicks_ms', 'clicks_ms'],
    ] as const) {
      const without = clicksByHourAndCampaign(
        records.filter((r) => !late.includes(r)),
        source,
      );
      expect(without).not.toEqual(clicksByHourAndCampaign(records, source));
      expect(await view(metric)).toEqual(without);
    }
    const cutovers = await batchCycles();
    for (const [metric, source] of [
      ['campaign_clicks', 'clicks'],
      ['campaign_clicks_ms', 'clicks_ms'],
    ] as const) {
      expect(late.every((r) => !r.click || r.click.eventMs < cutovers.get(metric)!)).toBe(true);
      const expected = clicksByHourAndCampaign(records, source);
      expect(await eventually(() => view(metric), expected)).toEqual(expected);
    }
  }, 300_000);

  test('the dead-letter topic holds exactly the bad records, each with its bytes, position and reason', async () => {
    for (const source of ['clicks', 'clicks_ms'] as const) {
      const bad = records.filter((r) => r.source === source && r.reason);
      const compiled = control.compiled.sources.find((s) => s.name === source)!;
      const letters = await readDeadLetters(compiled.deadLetterTopic, bad.length);
      expect(letters).toHaveLength(bad.length);
      const byValue = (r: ClickRecord) => r.value.toString('base64');
      for (const record of bad) {
        const letter = letters.find((l) => l.value === byValue(record));
        expect(letter, `dead letter of ${record.value.toString()}`).toBeDefined();
        expect(letter!.reason).toMatch(record.reason!);
        expect(letter!.source_topic).toBe(topics[source]);
        expect(letter!.partition).toBe(record.partition);
        expect(letter!.offset).toBeGreaterThanOrEqual(0);
        // Seen when ingestion read it, not at its event time (up to two days earlier).
        expect(Date.parse(letter!.seen_at)).toBeGreaterThanOrEqual(startedAt - 1000);
      }
    }
  }, 120_000);

  test('no job of the namespace ever restarted', async () => {
    const jobs = (await control.engine.jobs()).filter(
      (j) => j.name.startsWith(`${namespace}-`) && j.state === 'RUNNING',
    );
    expect(jobs.map((j) => j.name).sort()).toEqual(
      [
        ...control.compiled.sources.map((s) => s.ingestionJobName),
        ...control.compiled.metrics.map((m) => m.speedJobName),
      ].sort(),
    );
    for (const job of jobs)
      expect(await control.engine.jobManager.exceptionHistory(job.jobId)).toEqual([]);
  }, 60_000);

  test('status --check reports every source and metric healthy, with the dead-letter counts', async () => {
    const env = { LAMBDALAKE_NAMESPACE: namespace };
    const check = await cli(['status', '--check', '--json', '--dir', dir], env);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    const status = JSON.parse(check.stdout) as {
      healthy: boolean;
      sources: {
        source: string;
        health: { verdict: string };
        deadLetters: { count: number; newest: { reason: string } | null };
      }[];
      metrics: { metric: string; health: { verdict: string } }[];
    };
    expect(status.healthy).toBe(true);
    expect(status.sources.map((s) => [s.source, s.health.verdict, s.deadLetters.count])).toEqual([
      ['clicks', 'healthy', records.filter((r) => r.source === 'clicks' && r.reason).length],
      ['clicks_ms', 'healthy', records.filter((r) => r.source === 'clicks_ms' && r.reason).length],
    ]);
    expect(status.metrics.map((m) => m.health.verdict)).toEqual(['healthy', 'healthy']);
    // The newest dead letter's reason is one of the bad records' reasons.
    for (const s of status.sources) {
      const reasons = records
        .filter((r) => r.source === s.source && r.reason)
        .map((r) => r.reason!);
      expect(reasons.some((r) => r.test(s.deadLetters.newest?.reason ?? ''))).toBe(true);
    }
  }, 120_000);

  async function readDeadLetters(topic: string, expected: number): Promise<DeadLetter[]> {
    const kafka = new Kafka({
      clientId: 'it-dead-letters',
      brokers: stackEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: `${namespace}-it-${topic}` });
    const letters: DeadLetter[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        letters.push(JSON.parse(message.value!.toString()) as DeadLetter);
      },
    });
    // Bounded wait for the expected number, then a little longer to catch any extra letter.
    const deadline = Date.now() + 60_000;
    while (letters.length < expected && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 500));
    await new Promise((r) => setTimeout(r, 3000));
    await consumer.disconnect();
    return letters;
  }
});
