/**
 * Small-file compaction of master and batch view tables: which tables to compact, what the job is
 * given, and what it did. Ingestion commits one small file per partition per checkpoint to each
 * master table; the compaction job (TableMaintenanceJob.java, run on the Flink cluster) rewrites a
 * partition's small files into one and commits an Iceberg `replace` validated from the snapshot it
 * planned on, so appends committed meanwhile stay and older snapshots (a publication's pinned M)
 * still read their own files. The same job then expires the snapshots maintenance.ts chose, deleting
 * the files only they read.
 */
import { tableCounts } from './maintenance.ts';
import type { SnapshotView, TableView } from './ports.ts';

/** The snapshot summary key the job writes its Flink job id under (TableMaintenanceJob.JOB_PROPERTY). */
export const COMPACTION_JOB_PROPERTY = 'lambdalake.compaction-job';

/** The job's main class in the table-maintenance jar. */
export const COMPACTION_ENTRY_CLASS = 'lambdalake.jobs.TableMaintenanceJob';

export interface CompactionPolicy {
  /** A table is compacted once its current snapshot has at least this many data files. */
  minDataFiles: number;
  /** The size a rewritten file aims at; files from three quarters of it up are left alone. */
  targetFileSizeBytes: number;
}

export const DEFAULT_COMPACTION_POLICY: CompactionPolicy = {
  minDataFiles: 10,
  targetFileSizeBytes: 128 * 1024 * 1024,
};

/** Why a table is not worth a compaction job, or null when it is. */
export function compactionSkipReason(table: TableView, policy: CompactionPolicy): string | null {
  const files = tableCounts(table).dataFiles;
  if (files === null) return 'no snapshot';
  if (files < policy.minDataFiles)
    return `${files} data file(s), fewer than ${policy.minDataFiles}`;
  return null;
}

/** The job's program arguments: catalog, table, job name, what to rewrite and expire (see its main). */
export function compactionJobArgs(job: {
  catalogUri: string;
  warehouse?: string;
  table: string;
  jobName: string;
  targetFileSizeBytes: number;
  rewrite: boolean;
  expireSnapshotIds: readonly string[];
}): string[] {
  return [
    '--uri',
    job.catalogUri,
    ...(job.warehouse ? ['--warehouse', job.warehouse] : []),
    '--table',
    job.table,
    '--job-name',
    job.jobName,
    '--target-file-size-bytes',
    String(job.targetFileSizeBytes),
    '--rewrite',
    String(job.rewrite),
    '--expire-snapshot-ids',
    job.expireSnapshotIds.join(','),
  ];
}

/** The Flink job name of a table's compaction: the deployment's prefix, so its jobs are told apart. */
export function compactionJobName(namespace: string, table: string): string {
  return `${namespace}-maintenance-compact-${table}`;
}

export interface CompactionOutcome {
  /** The replace snapshot the job committed; null when it found nothing to rewrite. */
  snapshotId: string | null;
  rewrittenDataFiles: number;
  addedDataFiles: number;
  /** Data files of the snapshot the replace was committed on (appends after planning included). */
  dataFilesReplaced: number | null;
  /** Data files of the replace snapshot itself. */
  dataFilesAfterReplace: number | null;
}

/** What job `jobId` did to `table`, read from the summary of the snapshot it committed (if any). */
export function compactionOutcome(table: TableView, jobId: string): CompactionOutcome {
  const snapshot: SnapshotView | undefined = table.snapshots.find(
    (s) => s.summary[COMPACTION_JOB_PROPERTY] === jobId,
  );
  if (!snapshot)
    return {
      snapshotId: null,
      rewrittenDataFiles: 0,
      addedDataFiles: 0,
      dataFilesReplaced: null,
      dataFilesAfterReplace: null,
    };
  const count = (value: string | undefined) => (value === undefined ? null : Number(value));
  const parent = table.snapshots.find((s) => s.snapshotId === snapshot.parentId);
  return {
    snapshotId: snapshot.snapshotId,
    rewrittenDataFiles: Number(snapshot.summary['deleted-data-files'] ?? 0),
    addedDataFiles: Number(snapshot.summary['added-data-files'] ?? 0),
    dataFilesReplaced: count(parent?.summary['total-data-files']),
    dataFilesAfterReplace: count(snapshot.summary['total-data-files']),
  };
}
