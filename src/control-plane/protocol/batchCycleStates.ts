import { ControlPlaneError } from '../errors.ts';

/**
 * The batch cycle of DESIGN §5 as data: its states and the only transitions allowed between them.
 * A run's state is persisted in the batch view table's properties after every step, so a command
 * killed at any point resumes from the last recorded state when run again.
 */
export const BATCH_CYCLE_STATES = [
  'choose-cutover',
  'wait-ingestion',
  'run-batch',
  'validate',
  'publish',
  'register',
  'done',
  'failed',
  'conflict',
] as const;
export type BatchCycleState = (typeof BATCH_CYCLE_STATES)[number];

export const BATCH_CYCLE_TRANSITIONS: Readonly<
  Record<BatchCycleState, readonly BatchCycleState[]>
> = {
  // T0 is taken and the log-end offsets at T0 recorded; C = floor_to_grain(T0 − lateness).
  'choose-cutover': ['wait-ingestion', 'failed'],
  // Until a master snapshot provably holds every record below the offsets taken at T0.
  'wait-ingestion': ['run-batch', 'failed'],
  // The batch script runs in batch mode; the job id is recorded so a resumed run waits for it.
  'run-batch': ['validate', 'failed'],
  // Row count and the metric's quality checks, on the snapshot the job wrote.
  validate: ['publish', 'failed'],
  // The guarded commit; losing the race ends in 'conflict' and changes nothing.
  publish: ['register', 'conflict', 'failed'],
  // The serving endpoint's union view now pins (S, C); it evicts speed rows < C after switching.
  register: ['done', 'failed'],
  done: [],
  failed: [],
  conflict: [],
};

export const TERMINAL_STATES: ReadonlySet<BatchCycleState> = new Set([
  'done',
  'failed',
  'conflict',
]);

export class IllegalTransitionError extends ControlPlaneError {
  constructor(from: BatchCycleState, to: BatchCycleState) {
    super(
      'illegal-transition',
      `batch cycle cannot go from '${from}' to '${to}'; allowed: ${BATCH_CYCLE_TRANSITIONS[from].join(', ') || 'none (terminal)'}`,
      false,
    );
    this.name = 'IllegalTransitionError';
  }
}

/** Checks one step against the table above. */
export function assertTransition(from: BatchCycleState, to: BatchCycleState): void {
  if (!BATCH_CYCLE_TRANSITIONS[from].includes(to)) throw new IllegalTransitionError(from, to);
}

/** Everything a run has learned so far; each step adds its part. */
export interface BatchRunRecord {
  runId: string;
  metric: string;
  version: string;
  state: BatchCycleState;
  startedAt: string;
  updatedAt: string;
  t0?: string;
  cutover?: string;
  /** Log-end offsets of the source topic at T0, "partition:offset" joined by commas. */
  offsetsAtT0?: string;
  jobId?: string;
  masterSnapshotId?: string;
  /** Log-end offsets at T0 of each joined dimension's topic: JSON of name to "partition:offset,…". */
  dimensionOffsetsAtT0?: string;
  /** The snapshot of each joined dimension's master pinned with the fact master: JSON of name to id. */
  dimensionSnapshotIds?: string;
  /** How the pinned master snapshot was proven complete up to `offsetsAtT0` (completeness.ts). */
  completeness?: string;
  snapshotId?: string;
  rowCount?: string;
  jobDurationMs?: string;
  error?: string;
  /** The invocation that may write this record now (a resumed run takes it over). */
  owner?: string;
  /** The publication this run started from: its tag's snapshot ('' = none or an empty side) and run. */
  basePublishedSnapshotId?: string;
  basePublishedRunId?: string;
  /**
   * Drift serving measured when this run's publication replaced speed rows (JSON of
   * `DriftSummary`): kept with the run in the catalog, shown by `status`.
   */
  drift?: string;
}

/** How many example windows per measure a run keeps (serving's drift view keeps its five). */
const KEPT_EXAMPLES = 3;

/** The part of serving's drift report a run keeps (all examples stay in serving's drift view). */
export interface DriftSummary {
  previousCutover: string;
  cutover: string;
  windowsCompared: number;
  windowsOnlySpeed: number;
  windowsOnlyBatch: number;
  measures: {
    measure: string;
    windowsDiffering: number;
    maxAbsDiff: string | null;
    maxRelDiff: number | null;
    /** A few windows that differ or are on one side only: grain and keys, `speed` and `batch`. */
    examples: Record<string, unknown>[];
  }[];
}

/** The summary of a drift report serving answered, or undefined when it measured none. */
export function driftSummary(report: unknown): DriftSummary | undefined {
  if (typeof report !== 'object' || report === null) return undefined;
  const r = report as DriftSummary;
  if (!Array.isArray(r.measures)) return undefined;
  return {
    previousCutover: r.previousCutover,
    cutover: r.cutover,
    windowsCompared: r.windowsCompared,
    windowsOnlySpeed: r.windowsOnlySpeed,
    windowsOnlyBatch: r.windowsOnlyBatch,
    measures: r.measures.map((m) => ({
      measure: m.measure,
      windowsDiffering: m.windowsDiffering,
      maxAbsDiff: m.maxAbsDiff,
      maxRelDiff: m.maxRelDiff,
      examples: Array.isArray(m.examples) ? m.examples.slice(0, KEPT_EXAMPLES) : [],
    })),
  };
}

const RUN_PREFIX = 'lambdalake.run.';

/** The run record as table properties (flat strings), written with each transition. */
export function runRecordProperties(record: BatchRunRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value !== undefined) out[RUN_PREFIX + key] = String(value);
  }
  return out;
}

/** Reads a run record back from table properties; null when there is none. */
export function readRunRecord(properties: Record<string, string>): BatchRunRecord | null {
  const entries = Object.entries(properties)
    .filter(([key]) => key.startsWith(RUN_PREFIX))
    .map(([key, value]) => [key.slice(RUN_PREFIX.length), value]);
  if (entries.length === 0) return null;
  const record = Object.fromEntries(entries) as unknown as BatchRunRecord;
  if (!record.runId || !(BATCH_CYCLE_STATES as readonly string[]).includes(record.state))
    return null;
  return record;
}

/** Property keys of a record that the next record does not set, to remove them in the same commit. */
export function staleRunKeys(previous: Record<string, string>, next: BatchRunRecord): string[] {
  const fresh = runRecordProperties(next);
  return Object.keys(previous).filter((key) => key.startsWith(RUN_PREFIX) && !(key in fresh));
}
