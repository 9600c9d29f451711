import type { Grain } from '../definitions/grain.ts';
/**
 * What the protocol needs from the outside world, narrowed to its own vocabulary. Adapters
 * over src/flink, src/iceberg, kafkajs and the serving endpoint's HTTP API implement these; unit
 * tests implement them in memory. Nothing here knows how a service is reached.
 */
import type { CommitRequirement, CommitUpdate } from './publication.ts';
import { ControlPlaneError } from '../errors.ts';

export interface TableRef {
  namespace: string;
  name: string;
}

export interface SnapshotView {
  snapshotId: string;
  parentId: string | null;
  timestampMs: number;
  summary: Record<string, string>;
}

/** A table as the protocol reads it; snapshot ids as exact decimal strings. */
export interface TableView {
  properties: Record<string, string>;
  refs: Record<string, { 'snapshot-id': string; type: 'tag' | 'branch' }>;
  currentSnapshotId: string | null;
  snapshots: SnapshotView[];
}

/** A commit whose requirement no longer held: another writer changed the table first. */
export class CommitConflictError extends ControlPlaneError {
  constructor(table: TableRef, serverMessage: string) {
    super(
      'commit-conflict',
      `commit to ${table.namespace}.${table.name} lost a race: ${serverMessage}`,
      false,
    );
    this.name = 'CommitConflictError';
  }
}

export interface TableCatalog {
  loadTable(table: TableRef): Promise<TableView | null>;
  /** One atomic commit; throws CommitConflictError when a requirement no longer holds. */
  commit(
    table: TableRef,
    requirements: CommitRequirement[],
    updates: CommitUpdate[],
  ): Promise<void>;
  setProperties(
    table: TableRef,
    updates: Record<string, string>,
    removals?: string[],
  ): Promise<void>;
}

export type JobState =
  | 'INITIALIZING'
  | 'CREATED'
  | 'RUNNING'
  | 'FAILING'
  | 'FAILED'
  | 'CANCELLING'
  | 'CANCELED'
  | 'FINISHED'
  | 'RESTARTING'
  | 'SUSPENDED'
  | 'RECONCILING';

export interface JobView {
  jobId: string;
  name: string;
  state: JobState | string;
  startTimeMs: number;
  durationMs: number;
}

export interface SqlEngine {
  /** Runs every statement of `script` in one new session; the last one is the job-producing INSERT. */
  submitScript(
    script: string,
    options: { mode: 'batch' | 'streaming'; jobName: string; config?: Record<string, string> },
  ): Promise<{ jobId: string }>;
  job(jobId: string): Promise<JobView | null>;
  jobs(): Promise<JobView[]>;
  /** The job's root exception text, for a failed run's error. */
  rootException(jobId: string): Promise<string | null>;
  /** The job's failures, newest first, each with the root cause in one line (restarts included). */
  failures(jobId: string): Promise<{ timestampMs: number; rootCause: string }[]>;
  latestCompletedCheckpointId(jobId: string): Promise<number | null>;
  cancel(jobId: string): Promise<void>;
}

/** A union view as the serving endpoint takes it (see src/serving's definition schema). */
export interface UnionViewRegistration {
  path: string[];
  union: {
    version: string;
    grainColumn: string;
    grainSize: string;
    keyColumns: string[];
    columns: { name: string; type: string }[];
    batch: { table: string; snapshotId: string | null; cutover: string };
    speed: { topic: string };
  };
}

/** What serving answered to a registration; `drift` as serving reports it (recorded by the caller). */
export interface RegistrationResponse {
  drift: unknown;
}

export interface ServingRegistry {
  registerUnionView(view: UnionViewRegistration): Promise<RegistrationResponse>;
  /** The union view serving shows at `path` now; null when it has none. */
  servedView(path: string[]): Promise<UnionViewRegistration['union'] | null>;
  /** Removes the dataset at `path`; nothing to remove is not an error. */
  removeView(path: string[]): Promise<void>;
}

/** A dimension a metric joins, as the batch cycle waits for and pins it. */
export interface DimensionRuntime {
  name: string;
  topic: string;
  deadLetterTopic: string;
  ingestionGroupId: string;
  ingestionJobName: string;
  masterTable: TableRef;
}

/** SQL datasets in serving (derived metrics' views), over its catalog API like union views. */
export interface DerivedViewRegistry {
  /** The SQL of the dataset serving holds at `path`; null when it holds none (or a union view). */
  servedSql(path: string[]): Promise<string | null>;
  /** Creates or replaces the SQL dataset at `path`. */
  registerSqlView(path: string[], sql: string): Promise<void>;
  /** Removes the dataset at `path`; nothing to remove is not an error. */
  removeView(path: string[]): Promise<void>;
}

/** Everything the batch cycle needs to know about one metric version (filled from the compiler's output). */
export interface MetricRuntime {
  metric: string;
  version: string;
  grainColumn: string;
  grainSize: string;
  /** A fixed grain's size; for weeks and months the longest bucket (see definitions/grain.ts). */
  grainMs: number;
  /** The calendar-aware grain the cutover is aligned to (absent: fixed, `grainMs`). */
  grain?: Grain;
  latenessMs: number;
  keyColumns: string[];
  columns: { name: string; type: string }[];
  sourceTopic: string;
  /** Where ingestion writes the source's bad records (the completeness proof counts them). */
  deadLetterTopic: string;
  /** The source's event-time column (the master table is pruned on it). */
  sourceEventTime: string;
  ingestionGroupId: string;
  ingestionJobName: string;
  batchJobName: string;
  masterTable: TableRef;
  batchTable: TableRef;
  speedTopic: string;
  /** The Kafka consumer group the version's speed job commits its source offsets to. */
  speedGroupId: string;
  /**
   * The batch script for a cutover: binds the source to master snapshot `masterSnapshotId` below the
   * cutover (so the result is exactly a recompute over that snapshot), then INSERT OVERWRITE.
   */
  batchScript(
    cutover: Date,
    masterSnapshotId: string | null,
    dimensionSnapshotIds?: Readonly<Record<string, string>>,
  ): string;
  /** The dimensions the metric joins; the batch pins each one's master with the fact master. */
  dimensions?: DimensionRuntime[];
  /** Quality checks as SQL predicates evaluated on the new snapshot; each must hold. */
  qualityChecks: { name: string; description: string }[];
}

/** Offsets of the log, as the cutover protocol reads them. */
export interface LogOffsets {
  logEnd(topic: string): Promise<Record<number, string>>;
  committed(groupId: string, topic: string): Promise<Record<number, string>>;
  /**
   * Offsets of the data records of `topic` in [from, to) per partition (transaction markers and
   * compacted-away records have none). Read only for the short tails the completeness proof needs.
   */
  recordOffsets(
    topic: string,
    ranges: { partition: number; from: string; to: string }[],
  ): Promise<Record<number, string[]>>;
  /**
   * (partition, offset) of the source records among the last `perPartition` dead letters of each
   * partition of `deadLetterTopic` that came from `sourceTopic`, as "partition:offset".
   */
  recentDeadLetters(
    deadLetterTopic: string,
    sourceTopic: string,
    perPartition: number,
  ): Promise<Set<string>>;
}

/** The master table's ledger (compiler/ledger.ts) as the completeness proof reads it. */
export interface MasterLedger {
  /**
   * The highest offset of each partition in `from` that snapshot `snapshotId` of the master holds
   * for `topic`, looking only at offsets >= from[p] (null: none there); and how many data files it
   * read (the rest were excluded by their column bounds).
   */
  highestOffsets(
    master: TableRef,
    snapshotId: string,
    topic: string,
    from: Record<number, string>,
  ): Promise<{
    highest: Record<number, string | null>;
    filesRead: number;
    /** Data files written before the master had ledger columns (no bounds for them). */
    unledgeredFiles: number;
  }>;
}

/** Checks a written snapshot before it may be published; returns the failures (empty = valid). */
export interface SnapshotValidator {
  validate(
    metric: MetricRuntime,
    table: TableRef,
    snapshotId: string,
    context?: { cutoverMs: number },
  ): Promise<string[]>;
}
