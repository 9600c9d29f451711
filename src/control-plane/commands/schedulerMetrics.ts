import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BatchCycleOutcome } from '../protocol/batchCycle.ts';
import type { DeploymentStatus } from './status.ts';

/**
 * What the scheduler (`lambdalake run`) exposes on GET /metrics, in Prometheus text format.
 *
 * Batch-cycle durations are observed as cycles end. Everything else is what `status --json` shows,
 * read when Prometheus scrapes (one status per scrape), so a chart and `status` never disagree:
 * publication age, ingestion and speed lag, dead letters, health, and the drift of each metric's
 * last publish per measure.
 */
export interface SchedulerMetrics {
  registry: Registry;
  /** Records the wall time of each state a finished cycle went through. */
  observeCycle(metric: string, outcome: BatchCycleOutcome): void;
  /** Sets every status gauge from one status; `null` when status could not be read. */
  setStatus(status: DeploymentStatus | null, nowMs?: number): void;
}

const HELP_DRIFT = 'of the last publish (the windows moving from the speed side to the batch side)';

/** The scheduler's registry: cycle histograms plus gauges set from status at each scrape. */
export function schedulerMetrics(): SchedulerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lambdalake_scheduler_' });
  const registers = [registry];
  const steps = new Histogram({
    name: 'lambdalake_batch_step_duration_seconds',
    help: 'Wall time of each batch-cycle step (state) the scheduler ran, by metric',
    labelNames: ['metric', 'step'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers,
  });
  const cycles = new Counter({
    name: 'lambdalake_batch_cycles_total',
    help: 'Batch cycles the scheduler ended, by metric and outcome (done, failed, conflict)',
    labelNames: ['metric', 'outcome'],
    registers,
  });
  const gauge = (name: string, help: string, labelNames: string[]) =>
    new Gauge({ name, help, labelNames, registers });
  const g = {
    up: gauge('lambdalake_status_up', '1 when the last scrape could read status, else 0', []),
    healthy: gauge('lambdalake_status_healthy', '1 when status calls it healthy', ['kind', 'name']),
    publishedAt: gauge(
      'lambdalake_status_published_timestamp_seconds',
      "When each metric's served publication was published",
      ['metric'],
    ),
    age: gauge(
      'lambdalake_status_publication_age_seconds',
      "Seconds since each metric's served publication",
      ['metric'],
    ),
    cutover: gauge(
      'lambdalake_status_cutover_timestamp_seconds',
      "Each metric's published cutover (batch rows below it, speed rows from it on)",
      ['metric'],
    ),
    ingestionLag: gauge(
      'lambdalake_status_ingestion_lag_records',
      'Records in Kafka the ingestion job has not committed to the master table, by source',
      ['source'],
    ),
    speedLag: gauge(
      'lambdalake_status_speed_lag_records',
      "Source records each metric's speed job has not committed (its offsets advance on checkpoints)",
      ['metric'],
    ),
    deadLetters: gauge(
      'lambdalake_status_dead_letters',
      "Records in each source's dead-letter topic",
      ['source'],
    ),
    compared: gauge(
      'lambdalake_status_drift_windows_compared',
      `Windows on both sides ${HELP_DRIFT}`,
      ['metric'],
    ),
    oneSide: gauge(
      'lambdalake_status_drift_windows_one_side',
      `Windows on one side only (side = speed or batch) ${HELP_DRIFT}`,
      ['metric', 'side'],
    ),
    differing: gauge(
      'lambdalake_status_drift_windows_differing',
      `Windows whose value differs between the sides ${HELP_DRIFT}`,
      ['metric', 'measure'],
    ),
    maxAbs: gauge(
      'lambdalake_status_drift_max_abs_diff',
      `Largest |speed - batch| of one window ${HELP_DRIFT}`,
      ['metric', 'measure'],
    ),
    maxRel: gauge(
      'lambdalake_status_drift_max_relative_diff',
      `Largest |speed - batch| / |batch| of one window ${HELP_DRIFT}`,
      ['metric', 'measure'],
    ),
  };
  return {
    registry,
    observeCycle(metric, outcome) {
      cycles.inc({ metric, outcome: outcome.state });
      for (const [step, ms] of Object.entries(outcome.stepsMs))
        steps.observe({ metric, step }, ms / 1000);
    },
    setStatus(status, nowMs = Date.now()) {
      for (const each of Object.values(g)) each.reset();
      g.up.set(status ? 1 : 0);
      if (status) setFromStatus(g, status, nowMs);
    },
  };
}

type StatusGauges = Record<
  | 'healthy'
  | 'publishedAt'
  | 'age'
  | 'cutover'
  | 'ingestionLag'
  | 'speedLag'
  | 'deadLetters'
  | 'compared'
  | 'oneSide'
  | 'differing'
  | 'maxAbs'
  | 'maxRel',
  Gauge
>;

function setFromStatus(g: StatusGauges, status: DeploymentStatus, nowMs: number): void {
  for (const s of status.sources) {
    g.healthy.set({ kind: 'source', name: s.source }, s.health.verdict === 'healthy' ? 1 : 0);
    if (s.lag !== null) g.ingestionLag.set({ source: s.source }, s.lag);
    g.deadLetters.set({ source: s.source }, s.deadLetters.count);
  }
  for (const m of status.metrics) {
    const metric = m.metric;
    g.healthy.set({ kind: 'metric', name: metric }, m.health.verdict === 'healthy' ? 1 : 0);
    if (m.publication) {
      const publishedMs = Date.parse(m.publication.publishedAt);
      g.publishedAt.set({ metric }, publishedMs / 1000);
      g.age.set({ metric }, (nowMs - publishedMs) / 1000);
      g.cutover.set({ metric }, Date.parse(m.publication.cutover) / 1000);
    }
    if (m.speedLag !== null) g.speedLag.set({ metric }, m.speedLag);
    const drift = m.lastRun?.drift;
    if (!drift) continue;
    g.compared.set({ metric }, drift.windowsCompared);
    g.oneSide.set({ metric, side: 'speed' }, drift.windowsOnlySpeed);
    g.oneSide.set({ metric, side: 'batch' }, drift.windowsOnlyBatch);
    for (const d of drift.measures) {
      g.differing.set({ metric, measure: d.measure }, d.windowsDiffering);
      if (d.maxAbsDiff !== null) g.maxAbs.set({ metric, measure: d.measure }, Number(d.maxAbsDiff));
      if (d.maxRelDiff !== null) g.maxRel.set({ metric, measure: d.measure }, d.maxRelDiff);
    }
  }
}

/**
 * Serves GET /metrics on `port` (0: any free port) at `bind`: each scrape reads status once, then
 * renders the registry. A status that fails still answers, with `lambdalake_status_up 0` and the
 * cycle histograms, so an outage of the catalog or Flink shows as data rather than a dead target.
 */
export async function serveSchedulerMetrics(
  metrics: SchedulerMetrics,
  readStatus: () => Promise<DeploymentStatus>,
  options: { port: number; bind: string; onStatusError?: (error: unknown) => void },
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('only GET /metrics is served here\n');
      return;
    }
    void (async () => {
      try {
        metrics.setStatus(await readStatus());
      } catch (error) {
        options.onStatusError?.(error);
        metrics.setStatus(null);
      }
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
    })().catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.bind, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Prometheus keeps its connection alive between scrapes; close() alone would wait for it.
        server.closeAllConnections();
      }),
  };
}
