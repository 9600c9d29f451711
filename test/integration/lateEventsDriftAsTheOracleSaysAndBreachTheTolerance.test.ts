import { Kafka, logLevel, type Producer } from 'kafkajs';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openControlPlane, type ControlPlane } from '../../src/control-plane/controlPlane.ts';
import { deploy } from '../../src/control-plane/commands/deploy.ts';
import { runScheduler } from '../../src/control-plane/commands/scheduler.ts';
import {
  schedulerMetrics,
  serveSchedulerMetrics,
} from '../../src/control-plane/commands/schedulerMetrics.ts';
import {
  deploymentStatus,
  type DeploymentStatus,
} from '../../src/control-plane/commands/status.ts';
import { flinkTimestamp } from '../../src/demo/events.ts';
import { stackEndpoints } from './stack.ts';
import { cli } from './support/cli.ts';
import { endpointsFor, servingPgConfig } from './support/pipelineFixture.ts';
import {
  driftOracle,
  salesProject,
  SALES_STATE_TTL_MS,
  type Sale,
} from './support/salesProject.ts';
import { stopDeployment } from './support/stopDeployment.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/**
 * Issue 18 on the real stack, drift that is not zero. Sales are produced in two rounds more than
 * the speed job's state TTL apart: the second round holds late events, older than the watermark
 * the first round's newer events raised, for a window whose accumulator has expired by then. The
 * speed side restarts that window from the late events alone; the batch side counts every sale.
 * The scheduler's own cycle (the protocol's cutover, nothing passed) publishes, and the drift it
 * measures must equal the oracle's, breach the declared tolerance in `status --check`, and be what
 * the scheduler's /metrics shows.
 */
describe('late events drift as the oracle says and breach the tolerance', () => {
  const namespace = `lt${Date.now().toString(36)}`;
  let dir: string;
  let topic: string;
  let control: ControlPlane;
  let producer: Producer;
  let client: pg.Client;
  let c0 = 0;
  const env = { LAMBDALAKE_NAMESPACE: namespace };

  beforeAll(async () => {
    ({ dir, topic } = await salesProject(namespace));
    control = await openControlPlane(dir, endpointsFor(stackEndpoints(), namespace));
    const first = await deploy(control);
    c0 = Date.parse(first.batches[0]!.outcome.publication!.cutover);
    producer = new Kafka({
      clientId: 'it-late-drift',
      brokers: stackEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    client = new pg.Client(servingPgConfig());
    await client.connect();
  }, 300_000);

  afterAll(async () => {
    await producer?.disconnect();
    await client?.end();
    await stopDeployment(control, namespace);
  });

  const produce = (sales: readonly Sale[]) =>
    producer.send({
      topic,
      messages: sales.map((s) => ({
        key: s.saleId,
        value: JSON.stringify({
          sale_id: s.saleId,
          shop: s.shop,
          amount: (s.amountCents / 100).toFixed(2),
          event_time: flinkTimestamp(s.eventTimeMs),
        }),
      })),
    });

  /** The served rows from c0 on (all speed rows until the next publish), as `<ms>|<shop>` → values. */
  const served = async (): Promise<Record<string, string>> => {
    const { rows } = await client.query<{ at: string; shop: string; v: string }>(
      `SELECT (extract(epoch FROM at_minute) * 1000)::bigint::text AS at, shop, sales || '/' || amount AS v
       FROM ${namespace}.minute_sales WHERE at_minute >= to_timestamp($1 / 1000.0) AT TIME ZONE 'UTC' ORDER BY 1, 2`,
      [c0],
    );
    return Object.fromEntries(rows.map((r) => [`${r.at}|${r.shop}`, r.v]));
  };
  const servedEventually = async (expected: Record<string, string>) => {
    let last = await served();
    for (let i = 0; i < 120 && JSON.stringify(last) !== JSON.stringify(expected); i++) {
      await new Promise((r) => setTimeout(r, SECOND));
      last = await served();
    }
    return last;
  };
  const speedView = (sales: readonly Sale[]) => {
    const out: Record<string, [number, number]> = {};
    for (const s of sales) {
      const k = `${Math.floor(s.eventTimeMs / MINUTE) * MINUTE}|${s.shop}`;
      const [n, cents] = out[k] ?? [0, 0];
      out[k] = [n + 1, cents + s.amountCents];
    }
    return Object.fromEntries(
      Object.entries(out)
        .sort()
        .map(([k, [n, cents]]) => [k, `${n}/${(cents / 100).toFixed(2)}`]),
    );
  };

  test('drift equals the oracle in the drift view, status and /metrics, and status --check names the breach', async () => {
    // Round 0: the first whole window on the speed side (c0) for two shops, then newer events a
    // minute on, which raise the watermark past every event of the first window.
    const round0: Sale[] = [
      { saleId: 'a1', shop: 'north', amountCents: 1025, eventTimeMs: c0 + 5 * SECOND, round: 0 },
      { saleId: 'a2', shop: 'north', amountCents: 450, eventTimeMs: c0 + 20 * SECOND, round: 0 },
      { saleId: 'a3', shop: 'south', amountCents: 700, eventTimeMs: c0 + 30 * SECOND, round: 0 },
      { saleId: 'a4', shop: 'north', amountCents: 300, eventTimeMs: c0 + 65 * SECOND, round: 0 },
      { saleId: 'a5', shop: 'south', amountCents: 200, eventTimeMs: c0 + 80 * SECOND, round: 0 },
    ];
    await produce(round0);
    expect(await servedEventually(speedView(round0))).toEqual(speedView(round0));
    // Round 1, once the first window's accumulators have expired: late by the watermark (older
    // than round 0's newest event minus the 5 s delay) and by the clock (past the state TTL).
    await new Promise((r) => setTimeout(r, SALES_STATE_TTL_MS + 15 * SECOND));
    const round1: Sale[] = [
      { saleId: 'b1', shop: 'north', amountCents: 125, eventTimeMs: c0 + 10 * SECOND, round: 1 },
    ];
    await produce(round1);
    const speedAfter = { ...speedView(round0), ...speedView(round1) };
    expect(await servedEventually(speedAfter)).toEqual(speedAfter);

    // The scheduler's own cycle publishes at the protocol's cutover; its /metrics is scraped after.
    const metrics = schedulerMetrics();
    const endpoint = await serveSchedulerMetrics(metrics, () => deploymentStatus(control), {
      port: 0,
      bind: '127.0.0.1',
    });
    try {
      const cycles = await runScheduler(control, {
        signal: new AbortController().signal,
        log: () => undefined,
        maxCycles: 1,
        maintenanceEveryMs: 0,
        onCycle: (metric, outcome) => metrics.observeCycle(metric, outcome),
      });
      expect(cycles).toBe(1);
      const statusNow = await deploymentStatus(control);
      const c1 = Date.parse(statusNow.metrics[0]!.publication!.cutover);
      // The protocol's cutover is floor(T0 - 30 s) with T0 past round 1: the late window moved.
      expect(c1).toBeGreaterThan(c0 + 10 * SECOND);
      const all = [...round0, ...round1];
      const oracle = driftOracle(all, c0, c1);
      expect(oracle.differing).toEqual([`${c0}|north`]);

      // 1. The drift view, as a dashboard reads it.
      const { rows } = await client.query<{
        measure: string;
        windows_compared: string;
        windows_only_speed: string;
        windows_only_batch: string;
        windows_differing: string;
        max_abs_diff: string | null;
        max_rel_diff: number | null;
      }>(
        `SELECT measure, windows_compared, windows_only_speed, windows_only_batch, windows_differing, max_abs_diff::text AS max_abs_diff, max_rel_diff
         FROM ${namespace}.lambdalake_drift WHERE metric = 'minute_sales' AND cutover = to_timestamp($1 / 1000.0) ORDER BY measure DESC`,
        [c1],
      );
      expect(
        rows.map((r) => ({
          measure: r.measure,
          windowsCompared: Number(r.windows_compared),
          windowsOnlySpeed: Number(r.windows_only_speed),
          windowsOnlyBatch: Number(r.windows_only_batch),
          windowsDiffering: Number(r.windows_differing),
          maxAbsDiff: r.max_abs_diff,
        })),
      ).toEqual(
        oracle.measures.map((m) => ({
          measure: m.measure,
          windowsCompared: oracle.windowsCompared,
          windowsOnlySpeed: oracle.windowsOnlySpeed,
          windowsOnlyBatch: oracle.windowsOnlyBatch,
          windowsDiffering: m.windowsDiffering,
          maxAbsDiff: m.maxAbsDiff,
        })),
      );
      rows.forEach((r, i) => expectRelative(r.max_rel_diff, oracle.measures[i]!.maxRelDiff));

      // 2. status --json keeps the same report with the run; --check fails naming the breach.
      const json = await cli(['status', '--json', '--dir', dir], env);
      expect(json.code).toBe(0);
      const status = JSON.parse(json.stdout) as DeploymentStatus;
      const drift = status.metrics[0]!.lastRun!.drift!;
      expect(drift).toMatchObject({
        previousCutover: new Date(c0).toISOString(),
        cutover: new Date(c1).toISOString(),
        windowsCompared: oracle.windowsCompared,
        windowsOnlySpeed: oracle.windowsOnlySpeed,
        windowsOnlyBatch: oracle.windowsOnlyBatch,
      });
      expect(drift.measures.map((m) => [m.measure, m.windowsDiffering, m.maxAbsDiff])).toEqual(
        oracle.measures.map((m) => [m.measure, m.windowsDiffering, m.maxAbsDiff]),
      );
      drift.measures.forEach((m, i) =>
        expectRelative(m.maxRelDiff, oracle.measures[i]!.maxRelDiff),
      );
      expect(status.healthy).toBe(false);
      // Example values travel as JSON numbers from serving, so 16.00 reads 16.
      expect(status.metrics[0]!.health.problems).toEqual([
        expect.stringMatching(
          /^drift of minute_sales\.amount at the publish of cutover .* is beyond its tolerance: largest \|speed - batch\| 14\.75 > absolute 0\.5; largest relative difference 0\.92\d* > relative 0\.01; 1 of \d+ window\(s\) compared differ, e\.g\. \[at_minute=\S+ shop=north\] \(speed 1\.25, batch 16\)$/,
        ),
      ]);
      const check = await cli(['status', '--check', '--dir', dir], env);
      expect(check.code).toBe(1);
      expect(check.stdout).toContain('UNHEALTHY: drift of minute_sales.amount');
      expect(check.stdout).toContain('shop=north');

      // `versions` shows the same drift beside the version that published it.
      const versions = await cli(['versions', 'minute_sales', '--json', '--dir', dir], env);
      expect(versions.code).toBe(0);
      expect(
        (JSON.parse(versions.stdout) as { served: boolean; drift: unknown }[]).map((v) => [
          v.served,
          v.drift,
        ]),
      ).toEqual([[true, drift]]);

      // 3. The scheduler's /metrics, parsed as Prometheus would, shows what status shows.
      const families = parsePrometheusTextFormat(
        await (await fetch(`http://127.0.0.1:${endpoint.port}/metrics`)).text(),
      );
      const value = (name: string, labels: Record<string, string>) =>
        sampleOf(families, name, labels);
      const m = status.metrics[0]!;
      const s = status.sources[0]!;
      expect(value('lambdalake_status_up', {})).toBe(1);
      expect(value('lambdalake_status_cutover_timestamp_seconds', { metric: m.metric })).toBe(
        c1 / 1000,
      );
      expect(value('lambdalake_status_published_timestamp_seconds', { metric: m.metric })).toBe(
        Date.parse(m.publication!.publishedAt) / 1000,
      );
      expect(value('lambdalake_status_ingestion_lag_records', { source: 'sales' })).toBe(s.lag);
      expect(value('lambdalake_status_dead_letters', { source: 'sales' })).toBe(
        s.deadLetters.count,
      );
      expect(value('lambdalake_status_speed_lag_records', { metric: m.metric })).toBe(m.speedLag);
      expect(value('lambdalake_status_healthy', { kind: 'metric', name: m.metric })).toBe(0);
      expect(value('lambdalake_status_drift_windows_compared', { metric: m.metric })).toBe(
        drift.windowsCompared,
      );
      for (const d of drift.measures) {
        const labels = { metric: m.metric, measure: d.measure };
        expect(value('lambdalake_status_drift_windows_differing', labels)).toBe(d.windowsDiffering);
        expect(value('lambdalake_status_drift_max_abs_diff', labels)).toBe(Number(d.maxAbsDiff));
        expect(value('lambdalake_status_drift_max_relative_diff', labels)).toBe(d.maxRelDiff);
      }
      expect(value('lambdalake_batch_cycles_total', { metric: m.metric, outcome: 'done' })).toBe(1);
      expect(families.find((f) => f.name === 'lambdalake_batch_step_duration_seconds')?.type).toBe(
        'HISTOGRAM',
      );
    } finally {
      await endpoint.close();
    }
  }, 900_000);
});

function expectRelative(actual: number | null, expected: number | null): void {
  if (expected === null) expect(actual).toBeNull();
  else expect(actual).toBeCloseTo(expected, 12);
}

/** The value of the one sample of `name` with exactly these labels (undefined when absent). */
function sampleOf(
  families: ParsedFamily[],
  name: string,
  labels: Record<string, string>,
): number | undefined {
  const sample = families
    .find((f) => f.name === name)
    ?.metrics.find((m) => sorted(m.labels ?? {}) === sorted(labels));
  return sample?.value === undefined ? undefined : Number(sample.value);
}

const sorted = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort());
