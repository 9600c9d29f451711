import {
  DEFAULT_COMPACTION_POLICY,
  compactionSkipReason,
  type CompactionPolicy,
} from '../protocol/compaction.ts';
import {
  runMaintenanceJob,
  uploadedMaintenanceJar,
  type CompactionResult,
} from './maintenanceJob.ts';
import type { ControlPlane } from '../controlPlane.ts';
import { tableCounts } from '../protocol/maintenance.ts';
import type { TableView } from '../protocol/ports.ts';
import { access } from 'node:fs/promises';
import { tableMaintenanceJarPath } from '../../settings/jobJars.ts';
import { planExpiry, removeSnapshotsThroughCatalog, type ExpiryResult } from './maintenance.ts';

export interface TableMaintenanceReport {
  compaction: CompactionResult[];
  expiry: ExpiryResult[];
}

/**
 * Table maintenance of the namespace's master and batch view tables, one Flink job per table
 * (one at a time: they share the cluster with the batch jobs): small-file compaction, then expiry
 * of the snapshots the rule chose, deleting the files only they read. Both keep what serving
 * reads: compaction leaves older snapshots as they were, and the rule never chooses a snapshot
 * a publication or a running batch pins (Iceberg itself refuses one a ref points at).
 */
export async function maintainTables(
  cp: ControlPlane,
  options: {
    retainMs?: number;
    keepNewest?: number;
    /** false: expiry only. */
    compaction?: Partial<CompactionPolicy> | false;
    /** Bound on each table's job (default 10 minutes). */
    jobTimeoutMs?: number;
    say?: (message: string) => void;
  } = {},
): Promise<TableMaintenanceReport> {
  const policy = { ...DEFAULT_COMPACTION_POLICY, ...(options.compaction || {}) };
  let jarId: string | null = null;
  const jar = async () => (jarId ??= await uploadedMaintenanceJar(cp.engine.jobManager));
  const report: TableMaintenanceReport = { compaction: [], expiry: [] };
  // Without the job's jar (a cluster `stack up` did not build it for, and no
  // LAMBDALAKE_TABLE_MAINTENANCE_JAR), expiry still runs through the catalog; nothing is compacted.
  const jarPath = tableMaintenanceJarPath();
  const jarMissing = await access(jarPath).then(
    () => null,
    () => `no table-maintenance jar at ${jarPath} (set LAMBDALAKE_TABLE_MAINTENANCE_JAR)`,
  );
  if (jarMissing) options.say?.(`${jarMissing}: compaction skipped, expiry without file cleanup`);
  for (const plan of await planExpiry(cp, options)) {
    const { name, view, expire } = plan;
    if (jarMissing) {
      await removeSnapshotsThroughCatalog(cp, plan);
      report.compaction.push(notCompacted(`${cp.endpoints.namespace}.${name}`, view, jarMissing));
      report.expiry.push({
        table: `${cp.endpoints.namespace}.${name}`,
        expired: expire.length,
        kept: view.snapshots.length - expire.length,
      });
      continue;
    }
    const skipRewrite =
      options.compaction === false ? 'compaction off' : compactionSkipReason(view, policy);
    const result = await runMaintenanceJob(
      cp,
      { name, view, skipRewrite, expire },
      { policy, jar, jobTimeoutMs: options.jobTimeoutMs ?? 600_000 },
    );
    report.compaction.push(result);
    report.expiry.push({
      table: result.table,
      expired: expire.length,
      kept: view.snapshots.length - expire.length,
    });
    if (result.jobId)
      options.say?.(
        `${result.table}: rewrote ${result.rewrittenDataFiles} data file(s) into ${result.addedDataFiles}, expired ${expire.length} snapshot(s) (Flink job ${result.jobId})`,
      );
  }
  return report;
}

function notCompacted(table: string, view: TableView, why: string): CompactionResult {
  const files = tableCounts(view).dataFiles;
  return {
    table,
    snapshotId: null,
    rewrittenDataFiles: 0,
    addedDataFiles: 0,
    dataFilesReplaced: null,
    dataFilesAfterReplace: null,
    dataFilesBefore: files,
    dataFilesAfter: files,
    jobId: null,
    durationMs: 0,
    skipped: why,
  };
}
