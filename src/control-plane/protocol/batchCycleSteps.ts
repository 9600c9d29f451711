/**
 * The batch cycle's steps, one function per state (DESIGN §5). Each gets the run record and the
 * batch table as loaded once at the start of the step, and answers the next state with what it
 * learned; the driver in batchCycle.ts persists it. Legal transitions are in batchCycleStates.ts.
 */
import type { BatchCycleState, BatchRunRecord } from './batchCycleStates.ts';
import { chooseCutover } from './cutover.ts';
import { ControlPlaneError } from '../errors.ts';
import { formatOffsets, parseOffsets } from './ingestionProgress.ts';
import { pollUntil } from './poll.ts';
import { dimensionLogEnds, dimensionSnapshotsOf, pinDimensions } from './dimensionPins.ts';
import { pinProvenSnapshot } from './provenSnapshot.ts';
import { describeProof } from './completeness.ts';
import type {
  LogOffsets,
  MasterLedger,
  MetricRuntime,
  RegistrationResponse,
  ServingRegistry,
  SnapshotValidator,
  SqlEngine,
  TableCatalog,
  TableView,
  UnionViewRegistration,
} from './ports.ts';
import { CommitConflictError } from './ports.ts';
import { buildPublishCommit, type Publication } from './publication.ts';
import { driftSummary, runRecordProperties } from './batchCycleStates.ts';
import { publicationOf } from './runRecord.ts';
import { assertServedVersion } from './reconcile.ts';
import { awaitSpeedCaughtUp } from './speedCatchUp.ts';
import { servingSchema } from '../compiler/names.ts';
import { atSpeedGeneration, speedGenerations } from './speedGeneration.ts';

/** Injected around the protocol; none of them changes what a step decides. */
export interface BatchCycleHooks {
  /** Called right after a state has been persisted (crash-safety tests stop the process here). */
  afterPersist?: (state: BatchCycleState) => void | Promise<void>;
}

export interface BatchCycleDeps {
  catalog: TableCatalog;
  engine: SqlEngine;
  log: LogOffsets;
  /** The master's ledger columns, read for the completeness proof. */
  ledger: MasterLedger;
  serving: ServingRegistry;
  validator: SnapshotValidator;
  /** The version of a metric recorded as served in the catalog; null when none is. */
  servedVersion?: (metric: string) => Promise<string | null>;
  /** Where the served speed job of a metric version reads from (epoch ms); null when none runs. */
  speedReadsFrom?: (metric: MetricRuntime) => Promise<number | null>;
  clock?: () => Date;
  progress?: (message: string) => void;
  hooks?: BatchCycleHooks;
  ingestionTimeoutMs?: number;
  speedCatchUpTimeoutMs?: number;
  batchTimeoutMs?: number;
  pollMs?: number;
}

export interface BatchCycleOptions {
  /** A backfill's cutover; refused outside the range in cutover.ts's backfillRange. */
  cutover?: Date;
  allowEarlierCutover?: boolean;
  /**
   * Only for tests that place synthetic history ahead of the clock: accepts any `cutover`. No
   * command sets it.
   */
  outsideBackfillRange?: boolean;
  /** Deploy's first batch of a new version: its register step is the blue/green switch itself. */
  switchingVersion?: boolean;
}

export interface StepContext {
  metric: MetricRuntime;
  deps: BatchCycleDeps;
  options: BatchCycleOptions;
  record: BatchRunRecord;
  /** The batch view table, loaded once for this step. */
  table: TableView;
  say: (message: string) => void;
  clock: () => Date;
  /** Persists a mid-step fact (the submitted job id) so a killed run waits for that job. */
  note: (fields: Partial<BatchRunRecord>) => Promise<void>;
  timings: Record<string, number>;
}

export type StepResult =
  | { next: BatchCycleState; fields?: Partial<BatchRunRecord>; persisted?: false }
  /** The step's own commit already moved the record (publish: atomically with the publication). */
  | { next: BatchCycleState; persisted: true; record: BatchRunRecord }
  | { next: 'conflict'; end: true }
  | {
      next: 'done';
      registered: RegistrationResponse;
      fields?: Partial<BatchRunRecord>;
      persisted?: false;
    };

type Step = (ctx: StepContext) => Promise<StepResult>;

/** T0, the log end at T0, and C = floor_to_grain(T0 − lateness) (or the backfill's, checked before). */
const chooseCutoverStep: Step = async ({ metric, deps, options, say, clock }) => {
  const t0 = clock();
  const offsets = await deps.log.logEnd(metric.sourceTopic);
  const dimensionOffsetsAtT0 = await dimensionLogEnds(metric, deps.log);
  const cutover =
    options.cutover ?? chooseCutover(t0, metric.latenessMs, metric.grain ?? metric.grainMs);
  say(
    `T0 ${t0.toISOString()}, cutover ${cutover.toISOString()}, log end ${formatOffsets(offsets)}`,
  );
  return {
    next: 'wait-ingestion',
    fields: {
      t0: t0.toISOString(),
      cutover: cutover.toISOString(),
      offsetsAtT0: formatOffsets(offsets),
      ...(dimensionOffsetsAtT0 ? { dimensionOffsetsAtT0 } : {}),
    },
  };
};

/**
 * Pins a master snapshot M that provably holds every record below the log end at T0
 * (completeness.ts), then, right after it and by the same proof, each joined dimension's master.
 */
const waitIngestionStep: Step = async ({ metric, deps, record, say }) => {
  const pinned = await pinProvenSnapshot(
    deps,
    {
      master: metric.masterTable,
      topic: metric.sourceTopic,
      deadLetterTopic: metric.deadLetterTopic,
      ingestionGroupId: metric.ingestionGroupId,
      ingestionJobName: metric.ingestionJobName,
    },
    parseOffsets(record.offsetsAtT0 ?? ''),
    say,
  );
  const dimensionSnapshotIds = await pinDimensions(metric, record, deps, say);
  return {
    next: 'run-batch',
    fields: {
      masterSnapshotId: pinned.snapshotId,
      completeness: describeProof(pinned.proof),
      ...(dimensionSnapshotIds ? { dimensionSnapshotIds } : {}),
    },
  };
};

/** Submits the batch script (or waits for the job a killed run submitted). */
const runBatchStep: Step = async ({ metric, deps, record, say, note, timings }) => {
  let jobId = record.jobId;
  const existing = jobId ? await deps.engine.job(jobId) : null;
  if (!existing || ['FAILED', 'CANCELED'].includes(existing.state)) {
    const script = metric.batchScript(
      new Date(record.cutover!),
      record.masterSnapshotId || null,
      dimensionSnapshotsOf(record),
    );
    const submitted = Date.now();
    jobId = (
      await deps.engine.submitScript(script, { mode: 'batch', jobName: metric.batchJobName })
    ).jobId;
    // Session, catalog and planning inside Flink's SQL Gateway, until the job id comes back.
    timings['flink-submit'] = Date.now() - submitted;
    await note({ jobId });
    say(`batch job ${jobId} submitted (planned by Flink in ${timings['flink-submit']} ms)`);
  }
  let lastState = '';
  const durationMs = await pollUntil(
    async () => {
      const job = await deps.engine.job(jobId!);
      if (job && job.state !== lastState) say(`batch job ${jobId} ${(lastState = job.state)}`);
      if (job?.state === 'FINISHED') return job.durationMs;
      if (job && ['FAILED', 'CANCELED'].includes(job.state)) {
        const cause = await deps.engine.rootException(jobId!);
        throw new ControlPlaneError(
          'job-failed',
          `batch job ${jobId} ${job.state}${cause ? `: ${cause.split('\n')[0]}` : ''}`,
          false,
        );
      }
      return undefined;
    },
    {
      timeoutMs: deps.batchTimeoutMs ?? 600_000,
      // Every poll past the job's end is overhead of the cycle; the JobManager answers in ~1 ms.
      pollMs: deps.pollMs ?? 50,
      reason: () => `batch job ${jobId} did not finish in time (last state ${lastState || '?'})`,
    },
  );
  timings['flink-job'] = durationMs;
  return { next: 'validate', fields: { jobId, jobDurationMs: String(durationMs) } };
};

/** Row count and quality checks on the snapshot the job wrote. */
const validateStep: Step = async ({ metric, deps, record, table }) => {
  // Flink's Iceberg sink commits nothing when the job wrote no rows: an empty batch side, which
  // the validator accepts only if the master table has no rows below the cutover either.
  const snapshot = table.snapshots.find((s) => s.summary['flink.job-id'] === record.jobId);
  const snapshotId = snapshot?.snapshotId ?? '';
  const failures = await deps.validator.validate(metric, metric.batchTable, snapshotId, {
    cutoverMs: Date.parse(record.cutover!),
  });
  if (failures.length > 0)
    throw new ControlPlaneError(
      'batch-invalid',
      `${snapshot ? `snapshot ${snapshotId}` : `job ${record.jobId}'s output (no snapshot)`} is invalid: ${failures.join('; ')}`,
      false,
    );
  return {
    next: 'publish',
    fields: { snapshotId, rowCount: snapshot?.summary['total-records'] ?? '0' },
  };
};

/** The guarded commit: publication and run record move together; losing the race changes nothing. */
const publishStep: Step = async ({ metric, deps, options, record, table, say, clock }) => {
  const current = publicationOf(table);
  if ((current?.snapshotId ?? '') !== (record.basePublishedSnapshotId ?? ''))
    return { next: 'conflict', end: true };
  const next: Publication = {
    snapshotId: record.snapshotId!,
    cutover: record.cutover!,
    version: metric.version,
    masterSnapshotId: record.masterSnapshotId || null,
    ...(record.dimensionSnapshotIds ? { dimensionSnapshotIds: record.dimensionSnapshotIds } : {}),
    publishedAt: clock().toISOString(),
    runId: record.runId,
  };
  const commit = buildPublishCommit(current, next, options);
  const moved: BatchRunRecord = { ...record, state: 'register', updatedAt: next.publishedAt };
  const updates = commit.updates.map((u) =>
    u.action === 'set-properties'
      ? { ...u, updates: { ...u.updates, ...runRecordProperties(moved) } }
      : u,
  );
  try {
    await deps.catalog.commit(metric.batchTable, commit.requirements, updates);
  } catch (error) {
    if (error instanceof CommitConflictError) return { next: 'conflict', end: true };
    throw error;
  }
  say(`published snapshot ${next.snapshotId || '(empty batch side)'} with cutover ${next.cutover}`);
  return { next: 'register', persisted: true, record: moved };
};

/** Serving's union view now pins (S, C); serving evicts speed rows < C after switching. */
const registerStep: Step = async ({ metric: runtime, deps, options, record, say, table }) => {
  // Union views read the served speed generation (speedGeneration.ts).
  const metric = atSpeedGeneration(runtime, speedGenerations(table.properties).served);
  // Never register a version other than the served one (a deploy may have switched meanwhile).
  if (deps.servedVersion)
    assertServedVersion(
      metric.metric,
      metric.version,
      await deps.servedVersion(metric.metric),
      options.switchingVersion === true,
    );
  // A version switch waits until the new speed job has caught up (speedCatchUp.ts).
  if (options.switchingVersion)
    await awaitSpeedCaughtUp(metric, deps.log, {
      timeoutMs: deps.speedCatchUpTimeoutMs,
      pollMs: deps.pollMs,
      say,
    });
  const registered = await deps.serving.registerUnionView(unionViewOf(metric, record));
  // Serving measured the drift of the windows this publication took over from the speed side:
  // it stays with the run in the catalog (status shows it), the examples in serving's drift view.
  const drift = driftSummary(registered.drift);
  return { next: 'done', registered, fields: drift ? { drift: JSON.stringify(drift) } : {} };
};

/** The step for every non-terminal state: the cycle as a table. */
export const BATCH_CYCLE_STEPS: Readonly<Partial<Record<BatchCycleState, Step>>> = {
  'choose-cutover': chooseCutoverStep,
  'wait-ingestion': waitIngestionStep,
  'run-batch': runBatchStep,
  validate: validateStep,
  publish: publishStep,
  register: registerStep,
};

/** The union view registration for a published run (or a publication: the same two fields). */
export function unionViewOf(
  metric: MetricRuntime,
  record: Pick<BatchRunRecord, 'snapshotId' | 'cutover'>,
): UnionViewRegistration {
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
