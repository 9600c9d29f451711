import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { afterEach, expect, test } from 'vitest';
import type { BatchCycleOutcome } from '../protocol/batchCycle.ts';
import { schedulerMetrics, serveSchedulerMetrics } from './schedulerMetrics.ts';
import type { DeploymentStatus, MetricStatus, SourceStatus } from './status.ts';

const healthy = { verdict: 'healthy' as const, problems: [] };
const source: SourceStatus = {
  source: 'orders',
  topic: 'orders',
  ingestionJob: { jobId: 'j0', state: 'RUNNING' },
  lag: 4,
  logEnd: '0:10',
  masterSnapshotId: '1',
  masterTable: null,
  deadLetterTopic: 'lambdalake.dead-letters.orders',
  deadLetters: { count: 2, newest: null },
  health: healthy,
};
const metric: MetricStatus = {
  metric: 'hourly_revenue',
  version: 'v1',
  servedVersion: 'v1',
  publication: {
    snapshotId: '7',
    cutover: '2026-11-26T10:00:00.000Z',
    publishedAt: '2026-11-26T11:00:00.000Z',
  } as MetricStatus['publication'],
  publicationAgeS: 60,
  lastRun: {
    runId: 'r1',
    state: 'done',
    updatedAt: '2026-11-26T11:00:01.000Z',
    durationMs: 1000,
    drift: {
      previousCutover: '2026-11-26T09:00:00.000Z',
      cutover: '2026-11-26T10:00:00.000Z',
      windowsCompared: 5,
      windowsOnlySpeed: 1,
      windowsOnlyBatch: 0,
      measures: [
        {
          measure: 'revenue',
          windowsDiffering: 2,
          maxAbsDiff: '3.50',
          maxRelDiff: 0.25,
          examples: [],
        },
        {
          measure: 'orders',
          windowsDiffering: 0,
          maxAbsDiff: null,
          maxRelDiff: null,
          examples: [],
        },
      ],
    },
  },
  speedJob: { jobId: 'j1', state: 'RUNNING' },
  health: { verdict: 'unhealthy', problems: ['drift'] },
  speedLag: 3,
  batchTable: null,
  switchPending: null,
};
const status: DeploymentStatus = {
  namespace: 'lambdalake',
  healthy: false,
  sources: [source],
  metrics: [metric],
};

const samples = (families: ParsedFamily[], name: string) =>
  families
    .find((f) => f.name === name)
    ?.metrics.map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) })) ?? [];

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

test('status becomes gauges a Prometheus parser reads back with the same values', async () => {
  const metrics = schedulerMetrics();
  metrics.setStatus(status, Date.parse('2026-11-26T11:02:00Z'));
  const families = parsePrometheusTextFormat(await metrics.registry.metrics());
  expect(samples(families, 'lambdalake_status_up')).toEqual([{ labels: {}, value: 1 }]);
  expect(samples(families, 'lambdalake_status_publication_age_seconds')).toEqual([
    { labels: { metric: 'hourly_revenue' }, value: 120 },
  ]);
  expect(samples(families, 'lambdalake_status_cutover_timestamp_seconds')).toEqual([
    { labels: { metric: 'hourly_revenue' }, value: Date.parse('2026-11-26T10:00:00Z') / 1000 },
  ]);
  expect(samples(families, 'lambdalake_status_ingestion_lag_records')).toEqual([
    { labels: { source: 'orders' }, value: 4 },
  ]);
  expect(samples(families, 'lambdalake_status_speed_lag_records')).toEqual([
    { labels: { metric: 'hourly_revenue' }, value: 3 },
  ]);
  expect(samples(families, 'lambdalake_status_dead_letters')).toEqual([
    { labels: { source: 'orders' }, value: 2 },
  ]);
  expect(samples(families, 'lambdalake_status_healthy')).toEqual([
    { labels: { kind: 'source', name: 'orders' }, value: 1 },
    { labels: { kind: 'metric', name: 'hourly_revenue' }, value: 0 },
  ]);
  expect(samples(families, 'lambdalake_status_drift_windows_differing')).toEqual([
    { labels: { metric: 'hourly_revenue', measure: 'revenue' }, value: 2 },
    { labels: { metric: 'hourly_revenue', measure: 'orders' }, value: 0 },
  ]);
  // A measure without a numeric difference has no sample rather than a made-up zero.
  expect(samples(families, 'lambdalake_status_drift_max_abs_diff')).toEqual([
    { labels: { metric: 'hourly_revenue', measure: 'revenue' }, value: 3.5 },
  ]);
  expect(samples(families, 'lambdalake_status_drift_windows_one_side')).toEqual([
    { labels: { metric: 'hourly_revenue', side: 'speed' }, value: 1 },
    { labels: { metric: 'hourly_revenue', side: 'batch' }, value: 0 },
  ]);
});

test('each finished cycle adds its steps to the histogram; a failed status read says up 0 and keeps them', async () => {
  const metrics = schedulerMetrics();
  metrics.observeCycle('hourly_revenue', {
    state: 'done',
    stepsMs: { 'run-batch': 12_000, publish: 200 },
  } as unknown as BatchCycleOutcome);
  const served = await serveSchedulerMetrics(
    metrics,
    () => Promise.reject(new Error('catalog down')),
    { port: 0, bind: '127.0.0.1' },
  );
  closers.push(served.close);
  const answer = await fetch(`http://127.0.0.1:${served.port}/metrics`);
  expect(answer.headers.get('content-type')).toContain('text/plain');
  const families = parsePrometheusTextFormat(await answer.text());
  expect(samples(families, 'lambdalake_status_up')).toEqual([{ labels: {}, value: 0 }]);
  expect(samples(families, 'lambdalake_status_dead_letters')).toEqual([]);
  // The parser keeps a histogram's type but folds labelled series into one (a limit of
  // parse-prometheus-text-format 1.1.1), so the per-step series are read from the registry itself.
  expect(families.find((f) => f.name === 'lambdalake_batch_step_duration_seconds')?.type).toBe(
    'HISTOGRAM',
  );
  const steps = await metrics.registry
    .getSingleMetric('lambdalake_batch_step_duration_seconds')!
    .get();
  expect(
    steps.values
      .filter(
        (v) =>
          (v as { metricName?: string }).metricName ===
          'lambdalake_batch_step_duration_seconds_sum',
      )
      .map((v) => ({ labels: v.labels, sum: v.value })),
  ).toEqual([
    { labels: { metric: 'hourly_revenue', step: 'run-batch' }, sum: 12 },
    { labels: { metric: 'hourly_revenue', step: 'publish' }, sum: 0.2 },
  ]);
  expect(samples(families, 'lambdalake_batch_cycles_total')).toEqual([
    { labels: { metric: 'hourly_revenue', outcome: 'done' }, value: 1 },
  ]);
  expect((await fetch(`http://127.0.0.1:${served.port}/other`)).status).toBe(404);
});
