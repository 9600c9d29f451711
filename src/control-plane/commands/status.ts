import { tableCounts } from '../protocol/maintenance.ts';
import { readRunRecord, type DriftSummary } from '../protocol/batchCycleStates.ts';
import { formatOffsets } from '../protocol/ingestionProgress.ts';
import { driftBeyondTolerance, toleranceByMeasure } from '../protocol/driftTolerance.ts';
import { readPublication, type Publication } from '../protocol/publication.ts';
import type { JobView } from '../protocol/ports.ts';
import type { ControlPlane } from '../controlPlane.ts';
import { names } from '../compiler/names.ts';
import { observeDeployment } from './deploy.ts';
import { deadLetterSummary, type DeadLetterSummary } from '../adapters/deadLetterLog.ts';
import { metricHealth, sourceHealth, type Health, type ObservedJob } from '../protocol/health.ts';
import { speedGenerations } from '../protocol/speedGeneration.ts';

export interface MetricStatus {
  metric: string;
  /** The version the definitions compile to now. */
  version: string;
  /** The version the union view serves (deployment record); differs until deploy switches it. */
  servedVersion: string | null;
  publication: Publication | null;
  /** Seconds since the publication. */
  publicationAgeS: number | null;
  lastRun: {
    runId: string;
    state: string;
    error?: string;
    updatedAt: string;
    durationMs: number;
    /** Drift serving measured when this run's publication replaced speed rows. */
    drift?: DriftSummary;
  } | null;
  speedJob: { jobId: string; state: string } | null;
  health: Health;
  /** Source records the speed job has not yet committed (its offsets advance on checkpoints). */
  speedLag: number | null;
  /** Snapshots in the batch view table's metadata and data files in its current snapshot. */
  batchTable: { snapshots: number; dataFiles: number | null } | null;
  /**
   * A version switch waiting for its speed job (the definitions' version is not the served one):
   * how many source records that job still has to consume; serving switches at 0.
   */
  switchPending: { from: string | null; to: string; speedRecordsBehind: number | null } | null;
}

export interface SourceStatus {
  source: string;
  topic: string;
  ingestionJob: { jobId: string; state: string } | null;
  /** Records in Kafka not yet committed to the master table by the ingestion job. */
  lag: number | null;
  logEnd: string;
  masterSnapshotId: string | null;
  /** Snapshots in the master table's metadata and data files in its current snapshot. */
  masterTable: { snapshots: number; dataFiles: number | null } | null;
  deadLetterTopic: string;
  deadLetters: DeadLetterSummary;
  health: Health;
}

export interface DeploymentStatus {
  namespace: string;
  /** Every source and metric healthy: what `status --check` exits on. */
  healthy: boolean;
  sources: SourceStatus[];
  metrics: MetricStatus[];
}

function newestRun(
  jobs: readonly JobView[],
  name: string,
): { jobId: string; state: string } | null {
  const run = jobs.filter((j) => j.name === name).sort((a, b) => b.startTimeMs - a.startTimeMs)[0];
  return run ? { jobId: run.jobId, state: run.state } : null;
}

/** Everything `lambdalake status` shows, read from the catalog, Kafka and Flink (no local state). */
export async function deploymentStatus(cp: ControlPlane): Promise<DeploymentStatus> {
  const observed = await observeDeployment(cp);
  const log = cp.batchDeps().log;
  // Several metrics read one source topic: its log end is asked of Kafka once.
  const logEnds = new Map<string, Promise<Record<number, string>>>();
  const logEndOf = (topic: string): Promise<Record<number, string>> => {
    let logEnd = logEnds.get(topic);
    if (!logEnd) logEnds.set(topic, (logEnd = log.logEnd(topic)));
    return logEnd;
  };
  const lagOf = async (topic: string, group: string): Promise<number | null> => {
    if (!observed.topics.has(topic)) return null;
    const [logEnd, committed] = await Promise.all([logEndOf(topic), log.committed(group, topic)]);
    return Object.entries(logEnd).reduce(
      (n, [p, end]) =>
        n + Math.max(0, Number(end) - Math.max(0, Number(committed[Number(p)] ?? 0))),
      0,
    );
  };
  const nowMs = Date.now();
  const observeJob = async (name: string): Promise<ObservedJob | null> => {
    const run = newestRun(observed.jobs, name);
    if (!run) return null;
    const failures = await cp.engine.failures(run.jobId).catch(() => []);
    return { ...run, failures, detailsUrl: cp.engine.exceptionsUrl(run.jobId) };
  };
  const sources: SourceStatus[] = [];
  for (const source of cp.compiled.sources) {
    const logEnd = observed.topics.has(source.topic) ? await logEndOf(source.topic) : {};
    const lag = await lagOf(source.topic, source.ingestionGroupId);
    const master = await cp.tables.loadTable(source.masterTable);
    const ingestion = await observeJob(source.ingestionJobName);
    sources.push({
      source: source.name,
      topic: source.topic,
      ingestionJob: newestRun(observed.jobs, source.ingestionJobName),
      lag,
      logEnd: formatOffsets(logEnd),
      masterSnapshotId: master?.currentSnapshotId ?? null,
      masterTable: master ? tableCounts(master) : null,
      deadLetterTopic: source.deadLetterTopic,
      deadLetters: await deadLetterSummary(
        cp.admin,
        cp.endpoints.kafkaBrokers,
        source.deadLetterTopic,
      ),
      health: sourceHealth(ingestion, nowMs),
    });
  }
  const metrics: MetricStatus[] = [];
  for (const metric of cp.compiled.metrics) {
    const table = await cp.tables.loadTable(metric.batchTable);
    const record = table ? readRunRecord(table.properties) : null;
    const publication = table ? readPublication(table.properties, table.refs) : null;
    const source = cp.sourceOf(metric);
    const speedJob = await observeJob(metric.speedJobName);
    const servedVersion = observed.servedVersions[metric.name] ?? null;
    const drift = record?.drift ? (JSON.parse(record.drift) as DriftSummary) : undefined;
    const tolerances = toleranceByMeasure(cp.project.metrics.get(metric.name)!.definition.measures);
    // The running speed job's group: a generation that started without state counts from zero.
    const generations = speedGenerations(table?.properties ?? {});
    const speedLag = await lagOf(
      source.topic,
      names.speedGroup(cp.endpoints.namespace, metric.name, metric.version, generations.running),
    );
    metrics.push({
      metric: metric.name,
      version: metric.version,
      servedVersion,
      publication,
      publicationAgeS: publication
        ? Math.round((Date.now() - Date.parse(publication.publishedAt)) / 1000)
        : null,
      lastRun: record
        ? {
            runId: record.runId,
            state: record.state,
            error: record.error,
            updatedAt: record.updatedAt,
            durationMs: Date.parse(record.updatedAt) - Date.parse(record.startedAt),
            ...(drift ? { drift } : {}),
          }
        : null,
      speedJob: newestRun(observed.jobs, metric.speedJobName),
      health: metricHealth(
        {
          speedJob,
          lastRun: record,
          version: metric.version,
          servedVersion,
          driftProblems: driftBeyondTolerance(metric.name, drift, tolerances),
        },
        nowMs,
      ),
      speedLag,
      batchTable: table ? tableCounts(table) : null,
      switchPending:
        servedVersion !== metric.version
          ? { from: servedVersion, to: metric.version, speedRecordsBehind: speedLag }
          : generations.running !== generations.served
            ? {
                from: `${metric.version} speed generation ${generations.served}`,
                to: `${metric.version} speed generation ${generations.running}`,
                speedRecordsBehind: speedLag,
              }
            : null,
    });
  }
  const healthy = [...sources, ...metrics].every((x) => x.health.verdict === 'healthy');
  return { namespace: cp.endpoints.namespace, healthy, sources, metrics };
}

/** Every version of a metric that has a batch view table in the namespace, newest publication first. */
export async function metricVersions(
  cp: ControlPlane,
  metric: string,
): Promise<
  {
    version: string;
    table: string;
    publication: Publication | null;
    served: boolean;
    current: boolean;
    /** Drift serving measured at this version's newest publish (kept with its newest run). */
    drift: DriftSummary | null;
  }[]
> {
  const compiled = cp.metric(metric);
  const observed = await observeDeployment(cp);
  const prefix = `${cp.endpoints.namespace}.${metric}__v`;
  const out = [];
  for (const key of observed.tables) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(cp.endpoints.namespace.length + 1);
    const table = await cp.tables.loadTable({ namespace: cp.endpoints.namespace, name });
    const version = table?.properties['lambdalake.version'] ?? key.slice(prefix.length);
    const record = table ? readRunRecord(table.properties) : null;
    out.push({
      version,
      table: key,
      publication: table ? readPublication(table.properties, table.refs) : null,
      served: observed.servedVersions[metric] === version,
      current: compiled.version === version,
      drift: record?.drift ? (JSON.parse(record.drift) as DriftSummary) : null,
    });
  }
  return out.sort((a, b) =>
    (b.publication?.publishedAt ?? '').localeCompare(a.publication?.publishedAt ?? ''),
  );
}
