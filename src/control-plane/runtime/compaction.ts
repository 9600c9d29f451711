import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createHash } from 'node:crypto';
import type { JobManagerClient } from '../../flink/index.ts';
import { tableMaintenanceJarPath } from '../../settings/jobJars.ts';
import { ControlPlaneError } from '../errors.ts';
import {
  COMPACTION_ENTRY_CLASS,
  DEFAULT_COMPACTION_POLICY,
  compactionJobArgs,
  compactionJobName,
  compactionOutcome,
  compactionSkipReason,
  type CompactionPolicy,
} from '../orchestrator/compaction.ts';
import { tableCounts } from '../orchestrator/maintenance.ts';
import { bindingsFor, type ControlPlane } from './controlPlane.ts';

export interface CompactionResult {
  table: string;
  /** Data files of the current snapshot before and after (after: appends meanwhile included). */
  dataFilesBefore: number | null;
  dataFilesAfter: number | null;
  rewrittenDataFiles: number;
  addedDataFiles: number;
  /** The Flink job that rewrote the table; null when the table was skipped. */
  jobId: string | null;
  durationMs: number;
  skipped: string | null;
}

/**
 * Compacts the small files of every master and batch view table of the namespace, one Flink job
 * per table (one at a time: they share the cluster with the batch jobs). The job jar is uploaded
 * once per content (its name carries its hash) and reused while the JobManager keeps it.
 */
export async function compactTables(
  cp: ControlPlane,
  options: {
    policy?: Partial<CompactionPolicy>;
    /** Bound on each table's job (default 10 minutes). */
    jobTimeoutMs?: number;
    say?: (message: string) => void;
  } = {},
): Promise<CompactionResult[]> {
  const policy = { ...DEFAULT_COMPACTION_POLICY, ...options.policy };
  const namespace = cp.endpoints.namespace;
  const jobManager = cp.engine.jobManager;
  const bindings = bindingsFor(cp.endpoints);
  let jarId: string | null = null;
  const results: CompactionResult[] = [];
  for (const { name } of await cp.catalog.listTables([namespace])) {
    const before = await cp.tables.loadTable({ namespace, name });
    if (!before) continue;
    const table = `${namespace}.${name}`;
    const started = Date.now();
    const dataFilesBefore = tableCounts(before).dataFiles;
    const skipped = compactionSkipReason(before, policy);
    if (skipped) {
      results.push({ ...nothingDone(table, dataFilesBefore), skipped });
      continue;
    }
    jarId ??= await uploadedJar(jobManager);
    const jobId = await jobManager.runJar(jarId, {
      entryClass: COMPACTION_ENTRY_CLASS,
      programArgs: compactionJobArgs({
        catalogUri: bindings.catalogUri,
        warehouse: bindings.warehouse,
        table,
        jobName: compactionJobName(namespace, name),
        targetFileSizeBytes: policy.targetFileSizeBytes,
      }),
    });
    await awaitJob(cp, jobId, table, options.jobTimeoutMs ?? 600_000);
    const after = (await cp.tables.loadTable({ namespace, name }))!;
    const outcome = compactionOutcome(after, jobId);
    results.push({
      table,
      dataFilesBefore,
      dataFilesAfter: tableCounts(after).dataFiles,
      rewrittenDataFiles: outcome.rewrittenDataFiles,
      addedDataFiles: outcome.addedDataFiles,
      jobId,
      durationMs: Date.now() - started,
      skipped: null,
    });
    options.say?.(
      `${table}: rewrote ${outcome.rewrittenDataFiles} data file(s) into ${outcome.addedDataFiles} (job ${jobId})`,
    );
  }
  return results;
}

function nothingDone(table: string, dataFiles: number | null): Omit<CompactionResult, 'skipped'> {
  return {
    table,
    dataFilesBefore: dataFiles,
    dataFilesAfter: dataFiles,
    rewrittenDataFiles: 0,
    addedDataFiles: 0,
    jobId: null,
    durationMs: 0,
  };
}

/** The jar's id on the JobManager: the one already uploaded with this content, else a new upload. */
async function uploadedJar(jobManager: JobManagerClient): Promise<string> {
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
    `compaction of ${table} (Flink job ${jobId}) ended ${state}: ${cause}`,
    true,
  );
}
