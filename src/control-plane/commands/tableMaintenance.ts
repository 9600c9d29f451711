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
import { planExpiry, type ExpiryResult } from './maintenance.ts';

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
  for (const { name, view, expire } of await planExpiry(cp, options)) {
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
