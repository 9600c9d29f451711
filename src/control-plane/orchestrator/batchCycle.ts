import { randomUUID } from 'node:crypto';
import {
  assertTransition,
  readRunRecord,
  runRecordProperties,
  staleRunKeys,
  TERMINAL_STATES,
  type BatchCycleState,
  type BatchRunRecord,
} from './batchCycleStates.ts';
import { chooseCutover } from './cutover.ts';
import { formatOffsets, offsetsReached, parseOffsets } from './ingestionProgress.ts';
import type {
  LogOffsets,
  MetricRuntime,
  ServingRegistry,
  SnapshotValidator,
  SqlEngine,
  TableCatalog,
} from './ports.ts';
import { CommitConflictError } from './ports.ts';
import { servingSchema } from '../compiler/names.ts';
import { buildPublishCommit, readPublication, type Publication } from './publication.ts';

export interface BatchCycleDeps {
  catalog: TableCatalog;
  engine: SqlEngine;
  log: LogOffsets;
  serving: ServingRegistry;
  validator: SnapshotValidator;
  clock?: () => Date;
  progress?: (message: string) => void;
  /** Test hook: stop the process right after this state has been persisted (crash-safety tests). */
  crashAfter?: BatchCycleState;
  ingestionTimeoutMs?: number;
  batchTimeoutMs?: number;
  pollMs?: number;
}

export interface BatchCycleOutcome {
  state: 'done' | 'failed' | 'conflict';
  record: BatchRunRecord;
  publication: Publication | null;
  /** Control-plane time: wall time minus the Flink job's own duration. */
  overheadMs: number;
  wallMs: number;
  /** Wall time spent in each state this invocation went through (where the overhead goes). */
  stepsMs: Record<string, number>;
}

export class BatchCycleFailedError extends Error {
  constructor(readonly record: BatchRunRecord) {
    super(
      `batch cycle ${record.runId} of ${record.metric} failed in '${record.state}': ${record.error ?? 'unknown error'}`,
    );
    this.name = 'BatchCycleFailedError';
  }
}

const PUBLISHED_BASE = 'basePublishedSnapshotId';

/**
 * One batch cycle of DESIGN §5, resumable: each step persists the run record in the batch view
 * table's properties, so a killed command run again continues where it stopped.
 */
export async function runBatchCycle(
  metric: MetricRuntime,
  deps: BatchCycleDeps,
  options: { cutover?: Date; allowEarlierCutover?: boolean } = {},
): Promise<BatchCycleOutcome> {
  const started = Date.now();
  const clock = deps.clock ?? (() => new Date());
  const say = deps.progress ?? (() => undefined);
  let table = await deps.catalog.loadTable(metric.batchTable);
  if (!table)
    throw new Error(
      `batch view table ${metric.batchTable.namespace}.${metric.batchTable.name} does not exist: run 'lambdalake deploy' first`,
    );
  const currentPublication = readPublication(table.properties, table.refs);
  let record = resumableRecord(table.properties, metric, currentPublication, options.cutover);
  let extra: Record<string, string> = record
    ? { [PUBLISHED_BASE]: table.properties[`lambdalake.run.${PUBLISHED_BASE}`] ?? '' }
    : {};
  if (record) say(`resuming run ${record.runId} at '${record.state}'`);

  const persist = async (next: BatchRunRecord) => {
    const props = { ...runRecordProperties(next), ...prefixed(extra) };
    await deps.catalog.setProperties(
      metric.batchTable,
      props,
      staleRunKeys(table!.properties, next).filter((k) => !(k in props)),
    );
    table = { ...table!, properties: { ...table!.properties, ...props } };
    record = next;
    if (deps.crashAfter === next.state) process.exit(137);
  };
  const steps: Record<string, number> = {};
  let stepStarted = Date.now();
  const move = async (state: BatchCycleState, fields: Partial<BatchRunRecord> = {}) => {
    assertTransition(record!.state, state);
    steps[record!.state] = (steps[record!.state] ?? 0) + Date.now() - stepStarted;
    stepStarted = Date.now();
    await persist({ ...record!, ...fields, state, updatedAt: clock().toISOString() });
  };

  if (!record) {
    const now = clock().toISOString();
    extra = { [PUBLISHED_BASE]: currentPublication?.snapshotId ?? '' };
    await persist({
      runId: randomUUID(),
      metric: metric.metric,
      version: metric.version,
      state: 'choose-cutover',
      startedAt: now,
      updatedAt: now,
    });
  }
  let jobDurationMs = 0;
  try {
    if (record!.state === 'choose-cutover') {
      const t0 = clock();
      const offsets = await deps.log.logEnd(metric.sourceTopic);
      const cutover =
        options.cutover ?? chooseCutover(t0, metric.latenessMs, metric.grain ?? metric.grainMs);
      say(
        `T0 ${t0.toISOString()}, cutover ${cutover.toISOString()}, log end ${formatOffsets(offsets)}`,
      );
      await move('wait-ingestion', {
        t0: t0.toISOString(),
        cutover: cutover.toISOString(),
        offsetsAtT0: formatOffsets(offsets),
      });
    }
    if (record!.state === 'wait-ingestion') {
      await waitForOffsets(metric, deps, parseOffsets(record!.offsetsAtT0 ?? ''), say);
      const master = await deps.catalog.loadTable(metric.masterTable);
      await move('run-batch', { masterSnapshotId: master?.currentSnapshotId ?? '' });
    }
    if (record!.state === 'run-batch') {
      const finished = await runOrAwaitJob(
        metric,
        deps,
        record!,
        async (jobId) => persist({ ...record!, jobId }),
        say,
      );
      jobDurationMs = finished.durationMs;
      steps['flink-submit'] = finished.submitMs;
      steps['flink-job'] = finished.durationMs;
      await move('validate', { jobId: finished.jobId, jobDurationMs: String(finished.durationMs) });
    }
    if (record!.state === 'validate') {
      const fresh = (await deps.catalog.loadTable(metric.batchTable))!;
      // Flink's Iceberg sink commits nothing when the job wrote no rows: an empty batch side, which
      // the validator accepts only if the master table has no rows below the cutover either.
      const snapshot = fresh.snapshots.find((s) => s.summary['flink.job-id'] === record!.jobId);
      const snapshotId = snapshot?.snapshotId ?? '';
      const failures = await deps.validator.validate(metric, metric.batchTable, snapshotId, {
        cutoverMs: Date.parse(record!.cutover!),
      });
      if (failures.length > 0)
        throw new Error(
          `${snapshot ? `snapshot ${snapshotId}` : `job ${record!.jobId}'s output (no snapshot)`} is invalid: ${failures.join('; ')}`,
        );
      await move('publish', {
        snapshotId,
        rowCount: snapshot?.summary['total-records'] ?? '0',
      });
    }
    if (record!.state === 'publish') {
      const publication = await publish(
        metric,
        deps,
        record!,
        extra[PUBLISHED_BASE] ?? '',
        options,
        clock,
      );
      if (!publication) {
        // Lost the race: the winner's publication stands; this run leaves nothing behind.
        return outcome('conflict', record!, null, started, jobDurationMs, steps);
      }
      say(
        `published snapshot ${publication.snapshotId || '(empty batch side)'} with cutover ${publication.cutover}`,
      );
      table = (await deps.catalog.loadTable(metric.batchTable))!;
      record = { ...record!, state: 'register', updatedAt: clock().toISOString() };
      steps.publish = Date.now() - stepStarted;
      stepStarted = Date.now();
      if (deps.crashAfter === 'register') process.exit(137);
    }
    if (record!.state === 'register') {
      await deps.serving.registerUnionView(unionViewOf(metric, record!));
      await move('done');
    }
    const fresh = (await deps.catalog.loadTable(metric.batchTable))!;
    return outcome(
      'done',
      record!,
      readPublication(fresh.properties, fresh.refs),
      started,
      Number(record!.jobDurationMs ?? jobDurationMs),
      steps,
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof CommitConflictError)
      return outcome('conflict', record!, null, started, jobDurationMs, steps);
    // A concurrent run published while this one ran (its overwrite may be what failed this job):
    // that is a conflict, and the winner's run record and publication are left as they are.
    const now = await deps.catalog.loadTable(metric.batchTable).catch(() => null);
    const published = now ? readPublication(now.properties, now.refs) : null;
    if (
      now &&
      (published?.snapshotId ?? '') !== (extra[PUBLISHED_BASE] ?? '') &&
      published?.runId !== record?.runId
    ) {
      say(
        `another run (${published?.runId}) published while this one ran: ${message.split('\n')[0]}`,
      );
      return outcome('conflict', record!, null, started, jobDurationMs, steps);
    }
    if (record && !TERMINAL_STATES.has(record.state) && !isRetriable(error)) {
      await move('failed', { error: message.slice(0, 2000) }).catch(() => undefined);
      throw new BatchCycleFailedError(record);
    }
    throw error;
  }
}

function prefixed(extra: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(extra).map(([k, v]) => [`lambdalake.run.${k}`, v]));
}

/** A non-terminal record is resumed only if nothing was published since it started (else it is stale). */
function resumableRecord(
  properties: Record<string, string>,
  metric: MetricRuntime,
  current: Publication | null,
  requestedCutover: Date | undefined,
): BatchRunRecord | null {
  const record = readRunRecord(properties);
  if (!record || TERMINAL_STATES.has(record.state) || record.version !== metric.version)
    return null;
  const base = properties[`lambdalake.run.${PUBLISHED_BASE}`] ?? '';
  if (base !== (current?.snapshotId ?? '')) return null;
  if (requestedCutover && record.cutover && record.cutover !== requestedCutover.toISOString())
    return null;
  return record;
}

function isRetriable(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { retriable?: boolean }).retriable === true
  );
}

async function waitForOffsets(
  metric: MetricRuntime,
  deps: BatchCycleDeps,
  target: Record<number, string>,
  say: (m: string) => void,
): Promise<void> {
  const deadline = Date.now() + (deps.ingestionTimeoutMs ?? 120_000);
  let committed: Record<number, string> = {};
  while (Date.now() < deadline) {
    committed = await deps.log.committed(metric.ingestionGroupId, metric.sourceTopic);
    if (offsetsReached(committed, target)) return;
    await sleep(deps.pollMs ?? 200);
  }
  say(`ingestion committed ${formatOffsets(committed)}; needed ${formatOffsets(target)}`);
  throw Object.assign(
    new Error(
      `ingestion job '${metric.ingestionJobName}' did not commit offsets ${formatOffsets(target)} of '${metric.sourceTopic}' in time (committed ${formatOffsets(committed) || 'nothing'})`,
    ),
    { retriable: true },
  );
}

async function runOrAwaitJob(
  metric: MetricRuntime,
  deps: BatchCycleDeps,
  record: BatchRunRecord,
  recordJob: (jobId: string) => Promise<void>,
  say: (m: string) => void,
): Promise<{ jobId: string; durationMs: number; submitMs: number }> {
  let jobId = record.jobId;
  let submitMs = 0;
  const existing = jobId ? await deps.engine.job(jobId) : null;
  if (!existing || ['FAILED', 'CANCELED'].includes(existing.state)) {
    const cutover = new Date(record.cutover!);
    const script = metric.batchScript(cutover, record.masterSnapshotId || null);
    const submitted = Date.now();
    jobId = (
      await deps.engine.submitScript(script, {
        mode: 'batch',
        jobName: metric.batchJobName,
      })
    ).jobId;
    // Session, catalog and planning inside Flink's SQL Gateway, until the job id comes back.
    submitMs = Date.now() - submitted;
    await recordJob(jobId);
    say(`batch job ${jobId} submitted (planned by Flink in ${submitMs} ms)`);
  }
  const deadline = Date.now() + (deps.batchTimeoutMs ?? 600_000);
  let lastState = '';
  while (Date.now() < deadline) {
    const job = await deps.engine.job(jobId!);
    if (job && job.state !== lastState) say(`batch job ${jobId} ${(lastState = job.state)}`);
    if (job?.state === 'FINISHED') return { jobId: jobId!, durationMs: job.durationMs, submitMs };
    if (job && ['FAILED', 'CANCELED'].includes(job.state)) {
      const cause = await deps.engine.rootException(jobId!);
      throw new Error(`batch job ${jobId} ${job.state}${cause ? `: ${cause.split('\n')[0]}` : ''}`);
    }
    await sleep(deps.pollMs ?? 200);
  }
  throw Object.assign(new Error(`batch job ${jobId} did not finish in time`), { retriable: true });
}

async function publish(
  metric: MetricRuntime,
  deps: BatchCycleDeps,
  record: BatchRunRecord,
  baseSnapshotId: string,
  options: { allowEarlierCutover?: boolean },
  clock: () => Date,
): Promise<Publication | null> {
  const table = (await deps.catalog.loadTable(metric.batchTable))!;
  const current = readPublication(table.properties, table.refs);
  if ((current?.snapshotId ?? '') !== baseSnapshotId) return null;
  const next: Publication = {
    snapshotId: record.snapshotId!,
    cutover: record.cutover!,
    version: metric.version,
    masterSnapshotId: record.masterSnapshotId || null,
    publishedAt: clock().toISOString(),
    runId: record.runId,
  };
  const commit = buildPublishCommit(current, next, options);
  const done: BatchRunRecord = { ...record, state: 'register', updatedAt: next.publishedAt };
  // The run record moves to 'register' in the same atomic commit as the publication itself.
  const updates = commit.updates.map((u) =>
    u.action === 'set-properties'
      ? { ...u, updates: { ...u.updates, ...runRecordProperties(done) } }
      : u,
  );
  try {
    await deps.catalog.commit(metric.batchTable, commit.requirements, updates);
  } catch (error) {
    if (error instanceof CommitConflictError) return null;
    throw error;
  }
  return next;
}

/** The union view registration for a published run. */
export function unionViewOf(
  metric: MetricRuntime,
  record: BatchRunRecord,
): import('./ports.ts').UnionViewRegistration {
  return {
    // Served as metrics.<metric> (default namespace) or <namespace>.<metric>.
    path: [servingSchema(metric.batchTable.namespace), metric.metric],
    union: {
      version: metric.version,
      grainColumn: metric.grainColumn,
      grainSize: metric.grainSize,
      keyColumns: metric.keyColumns,
      columns: metric.columns,
      batch: {
        table: `${metric.batchTable.namespace}.${metric.batchTable.name}`,
        snapshotId: record.snapshotId ?? null,
        cutover: record.cutover!,
      },
      speed: { topic: metric.speedTopic },
    },
  };
}

function outcome(
  state: BatchCycleOutcome['state'],
  record: BatchRunRecord,
  publication: Publication | null,
  started: number,
  jobMs: number,
  stepsMs: Record<string, number> = {},
): BatchCycleOutcome {
  const wallMs = Date.now() - started;
  return {
    state,
    record,
    publication,
    wallMs,
    overheadMs: Math.max(0, wallMs - jobMs),
    stepsMs,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
