import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createHash } from 'node:crypto';
import type { JobManagerClient } from '../../flink/index.ts';
import { tableMaintenanceJarPath } from '../../settings/jobJars.ts';
import { ControlPlaneError } from '../errors.ts';
import {
  COMPACTION_ENTRY_CLASS,
  compactionJobArgs,
  compactionJobName,
  compactionOutcome,
  type CompactionOutcome,
  type CompactionPolicy,
} from '../protocol/compaction.ts';
import { tableCounts } from '../protocol/maintenance.ts';
import type { TableView } from '../protocol/ports.ts';
import { bindingsFor, type ControlPlane } from '../controlPlane.ts';

export interface CompactionResult extends CompactionOutcome {
  table: string;
  /** Data files of the current snapshot before and after (after: appends meanwhile included). */
  dataFilesBefore: number | null;
  dataFilesAfter: number | null;
  /** The Flink job that maintained the table; null when it had nothing to do. */
  jobId: string | null;
  durationMs: number;
  /** Why small files were not rewritten; null when they were. */
  skipped: string | null;
}

/** What one table's maintenance job is asked to do. */
export interface MaintenanceWork {
  name: string;
  view: TableView;
  /** Rewrite small files (null), or why not. */
  skipRewrite: string | null;
  /** Snapshot ids to expire, with their files no retained snapshot reads. */
  expire: string[];
}

/**
 * Runs one table's maintenance as a Flink job (TableMaintenanceJob.java): compaction, then expiry
 * of the given snapshots with file cleanup. Waits for the job (bounded) and reads what it did from
 * the replace snapshot it committed. A table with nothing to do runs no job.
 */
export async function runMaintenanceJob(
  cp: ControlPlane,
  work: MaintenanceWork,
  options: { policy: CompactionPolicy; jar: () => Promise<string>; jobTimeoutMs: number },
): Promise<CompactionResult> {
  const namespace = cp.endpoints.namespace;
  const table = `${namespace}.${work.name}`;
  const dataFilesBefore = tableCounts(work.view).dataFiles;
  if (work.skipRewrite && work.expire.length === 0)
    return { ...nothingDone(table, dataFilesBefore), skipped: work.skipRewrite };
  const started = Date.now();
  const bindings = bindingsFor(cp.endpoints);
  const jobId = await cp.engine.jobManager.runJar(await options.jar(), {
    entryClass: COMPACTION_ENTRY_CLASS,
    programArgs: compactionJobArgs({
      catalogUri: bindings.catalogUri,
      warehouse: bindings.warehouse,
      table,
      jobName: compactionJobName(namespace, work.name),
      targetFileSizeBytes: options.policy.targetFileSizeBytes,
      rewrite: work.skipRewrite === null,
      expireSnapshotIds: work.expire,
    }),
  });
  await awaitJob(cp, jobId, table, options.jobTimeoutMs);
  const after = (await cp.tables.loadTable({ namespace, name: work.name }))!;
  return {
    table,
    dataFilesBefore,
    dataFilesAfter: tableCounts(after).dataFiles,
    ...compactionOutcome(after, jobId),
    jobId,
    durationMs: Date.now() - started,
    skipped: work.skipRewrite,
  };
}

function nothingDone(table: string, dataFiles: number | null): Omit<CompactionResult, 'skipped'> {
  return {
    table,
    dataFilesBefore: dataFiles,
    dataFilesAfter: dataFiles,
    snapshotId: null,
    rewrittenDataFiles: 0,
    addedDataFiles: 0,
    dataFilesReplaced: null,
    dataFilesAfterReplace: null,
    jobId: null,
    durationMs: 0,
  };
}

/**
 * The jar's id on the JobManager: the one already uploaded with this content (its name carries
 * its hash), else a new upload. Uploads live until the JobManager restarts.
 */
export async function uploadedMaintenanceJar(jobManager: JobManagerClient): Promise<string> {
  const path = tableMaintenanceJarPath();
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new ControlPlaneError(
      'bad-input',
      `the table-maintenance job jar is not at ${path} (${error.code ?? error.message}): \`lambdalake stack up\` builds it for a local stack; for another cluster set LAMBDALAKE_TABLE_MAINTENANCE_JAR`,
      false,
    );
  });
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const name = `${basename(path, '.jar')}-${hash}.jar`;
  const known = (await jobManager.listJars()).find((j) => j.name === name);
  return known ? known.id : (await jobManager.uploadJar(bytes, name)).id;
}

/** Waits (bounded) for the job; a failed one is an error naming the table and Flink's root cause. */
async function awaitJob(
  cp: ControlPlane,
  jobId: string,
  table: string,
  timeoutMs: number,
): Promise<void> {
  const state = await cp.engine.jobManager.waitForState(
    jobId,
    ['FINISHED', 'FAILED', 'CANCELED'],
    timeoutMs,
  );
  if (state === 'FINISHED') return;
  const cause = (await cp.engine.failures(jobId))[0]?.rootCause ?? 'no exception recorded';
  throw new ControlPlaneError(
    'job-failed',
    `maintenance of ${table} (Flink job ${jobId}) ended ${state}: ${cause}`,
    true,
  );
}
