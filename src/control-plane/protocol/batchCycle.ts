import { randomUUID } from 'node:crypto';
import { assertTransition, TERMINAL_STATES, type BatchRunRecord } from './batchCycleStates.ts';
import {
  BATCH_CYCLE_STEPS,
  type BatchCycleDeps,
  type BatchCycleOptions,
  type StepContext,
} from './batchCycleSteps.ts';
import { assertCutoverInRange, backfillRange } from './cutover.ts';
import { ControlPlaneError, isRetriable, messageOf } from '../errors.ts';
import type { MetricRuntime, RegistrationResponse, TableView } from './ports.ts';
import { CommitConflictError } from './ports.ts';
import type { Publication } from './publication.ts';
import {
  publicationOf,
  resumableRecord,
  RunRecordTakenError,
  writeRunRecord,
} from './runRecord.ts';

export type { BatchCycleDeps, BatchCycleHooks, BatchCycleOptions } from './batchCycleSteps.ts';
export { unionViewOf } from './batchCycleSteps.ts';
import { unionViewOf } from './batchCycleSteps.ts';
import { assertServedVersion, servingDifference } from './reconcile.ts';
import { atSpeedGeneration, speedGenerations } from './speedGeneration.ts';

export interface BatchCycleOutcome {
  state: 'done' | 'failed' | 'conflict';
  record: BatchRunRecord;
  publication: Publication | null;
  /** What serving answered at register (its drift report), when this invocation registered. */
  registered: RegistrationResponse | null;
  /** Control-plane time: wall time minus the Flink job's own duration. */
  overheadMs: number;
  wallMs: number;
  /** Wall time spent in each state this invocation went through (where the overhead goes). */
  stepsMs: Record<string, number>;
}

export class BatchCycleFailedError extends ControlPlaneError {
  constructor(readonly record: BatchRunRecord) {
    super(
      'batch-failed',
      `batch cycle ${record.runId} of ${record.metric} failed in '${record.state}': ${record.error ?? 'unknown error'}`,
      false,
    );
    this.name = 'BatchCycleFailedError';
  }
}

/**
 * One batch cycle of DESIGN §5, resumable: a driver over the step table in batchCycleSteps.ts.
 * Each step's result is persisted in the batch view table's run record (one writer, see
 * runRecord.ts), so a killed command run again continues at the step where it stopped.
 */
export async function runBatchCycle(
  metric: MetricRuntime,
  deps: BatchCycleDeps,
  options: BatchCycleOptions = {},
): Promise<BatchCycleOutcome> {
  const started = Date.now();
  const clock = deps.clock ?? (() => new Date());
  const say = deps.progress ?? (() => undefined);
  let table = await loadBatchTable(deps, metric);
  if (options.cutover && !options.outsideBackfillRange)
    await checkBackfill(metric, deps, options.cutover, clock);
  await reconcileServing(metric, deps, options, table, say);
  const owner = randomUUID();
  const start = startingRecord(metric, table, owner, options, clock, say);
  let record = start.record;
  const timings: Record<string, number> = {};
  let registered: RegistrationResponse | null = null;
  const end = (state: BatchCycleOutcome['state'], publication: Publication | null = null) =>
    outcome(state, record, publication, registered, started, timings);
  const persist = async (next: BatchRunRecord) => {
    table = await writeRunRecord(deps.catalog, metric.batchTable, next, 'own');
    record = next;
    await deps.hooks?.afterPersist?.(next.state);
  };
  try {
    await writeRunRecord(deps.catalog, metric.batchTable, record, 'claim');
    // A new run's first persisted state is its claim; a resumed one was reported when first reached.
    if (!start.resumed) await deps.hooks?.afterPersist?.(record.state);
    while (!TERMINAL_STATES.has(record.state)) {
      const step = BATCH_CYCLE_STEPS[record.state]!;
      const stepStarted = Date.now();
      const ctx: StepContext = {
        metric,
        deps,
        options,
        record,
        table,
        say,
        clock,
        note: (fields) => persist({ ...record, ...fields }),
        timings,
      };
      const result = await step(ctx);
      timings[record.state] = (timings[record.state] ?? 0) + Date.now() - stepStarted;
      if ('end' in result) return end('conflict');
      assertTransition(record.state, result.next);
      if ('registered' in result) registered = result.registered;
      if (result.persisted) {
        record = result.record;
        await deps.hooks?.afterPersist?.(record.state);
      } else {
        const fields = 'fields' in result ? result.fields : {};
        await persist({
          ...record,
          ...fields,
          state: result.next,
          updatedAt: clock().toISOString(),
        });
      }
      // Each step reads the table once, fresh: the previous step may have committed to it.
      if (!TERMINAL_STATES.has(record.state)) table = await loadBatchTable(deps, metric);
    }
    return end('done', publicationOf(table));
  } catch (error) {
    if (error instanceof CommitConflictError || error instanceof RunRecordTakenError)
      return end('conflict');
    // A concurrent run published while this one ran (its overwrite may be what failed this job):
    // that is a conflict, and the winner's run record and publication are left as they are.
    const now = await deps.catalog.loadTable(metric.batchTable).catch(() => null);
    const published = now ? publicationOf(now) : null;
    if (
      now &&
      (published?.snapshotId ?? '') !== (record.basePublishedSnapshotId ?? '') &&
      published?.runId !== record.runId
    ) {
      say(
        `another run (${published?.runId}) published while this one ran: ${messageOf(error).split('\n')[0]}`,
      );
      return end('conflict');
    }
    if (!TERMINAL_STATES.has(record.state) && !isRetriable(error)) {
      const failed: BatchRunRecord = {
        ...record,
        state: 'failed',
        error: messageOf(error).slice(0, 2000),
        updatedAt: clock().toISOString(),
      };
      assertTransition(record.state, 'failed');
      await persist(failed).catch(() => undefined);
      throw new BatchCycleFailedError(failed);
    }
    throw error;
  }
}

async function loadBatchTable(deps: BatchCycleDeps, metric: MetricRuntime): Promise<TableView> {
  const table = await deps.catalog.loadTable(metric.batchTable);
  if (!table)
    throw new ControlPlaneError(
      'not-deployed',
      `batch view table ${metric.batchTable.namespace}.${metric.batchTable.name} does not exist: run 'lambdalake deploy' first`,
      false,
    );
  return table;
}

/**
 * Before anything else: the definitions must be the served version's, and serving must show that
 * version's current publication; a difference (a deploy killed before its switch, a stale
 * registration) is repaired here, so every cycle, even one that then fails, leaves serving right.
 */
async function reconcileServing(
  metric: MetricRuntime,
  deps: BatchCycleDeps,
  options: BatchCycleOptions,
  table: TableView,
  say: (message: string) => void,
): Promise<void> {
  if (!deps.servedVersion) return;
  const served = await deps.servedVersion(metric.metric);
  assertServedVersion(metric.metric, metric.version, served, options.switchingVersion === true);
  if (served !== metric.version) return;
  // The served speed generation: a newer one still catching up is deploy's to switch to.
  const speedAt = atSpeedGeneration(metric, speedGenerations(table.properties).served);
  const view = unionViewOf(speedAt, { snapshotId: '', cutover: '' });
  const publication = publicationOf(table);
  const differs = servingDifference(
    await deps.serving.servedView(view.path),
    metric.version,
    publication,
    speedAt.speedTopic,
  );
  if (!differs || !publication) return;
  say(`repairing serving: ${differs}`);
  await deps.serving.registerUnionView(unionViewOf(speedAt, publication));
}

/** A backfill's cutover must lie in the range the protocol and the served speed side allow. */
async function checkBackfill(
  metric: MetricRuntime,
  deps: BatchCycleDeps,
  cutover: Date,
  clock: () => Date,
): Promise<void> {
  const readsFrom = deps.speedReadsFrom
    ? await deps.speedReadsFrom(metric)
    : Number.NEGATIVE_INFINITY;
  const range = backfillRange(
    clock(),
    metric.latenessMs,
    metric.grain ?? metric.grainMs,
    readsFrom,
  );
  assertCutoverInRange(metric.metric, cutover, range);
}

/** The run a killed invocation left (resumed, owned by this one now), or a new one. */
function startingRecord(
  metric: MetricRuntime,
  table: TableView,
  owner: string,
  options: BatchCycleOptions,
  clock: () => Date,
  say: (message: string) => void,
): { record: BatchRunRecord; resumed: boolean } {
  const current = publicationOf(table);
  const resumed = resumableRecord(table.properties, metric.version, current, options.cutover);
  const now = clock().toISOString();
  const record: BatchRunRecord = resumed
    ? { ...resumed, owner, updatedAt: now }
    : {
        runId: randomUUID(),
        metric: metric.metric,
        version: metric.version,
        state: 'choose-cutover',
        startedAt: now,
        updatedAt: now,
        owner,
        basePublishedSnapshotId: current?.snapshotId ?? '',
        basePublishedRunId: current?.runId ?? '',
      };
  if (resumed) say(`resuming run ${record.runId} at '${record.state}'`);
  return { record, resumed: resumed !== null };
}

function outcome(
  state: BatchCycleOutcome['state'],
  record: BatchRunRecord,
  publication: Publication | null,
  registered: RegistrationResponse | null,
  started: number,
  stepsMs: Record<string, number>,
): BatchCycleOutcome {
  const wallMs = Date.now() - started;
  const jobMs = Number(record.jobDurationMs ?? 0);
  return {
    state,
    record,
    publication,
    registered,
    wallMs,
    overheadMs: Math.max(0, wallMs - jobMs),
    stepsMs,
  };
}
