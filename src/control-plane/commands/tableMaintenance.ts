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
import {
  planExpiry,
  removeSnapshotsThroughCatalog,
  type ExpiryPlan,
  type ExpiryResult,
} from './maintenance.ts';

export interface TableMaintenanceReport {
  compaction: CompactionResult[];
  expiry: ExpiryResult[];
  /** Tables whose maintenance failed this run (the others were still maintained). */
  failed: { table: string; error: string }[];
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
  const report: TableMaintenanceReport = { compaction: [], expiry: [], failed: [] };
  // Without the job's jar (a cluster `stack up` did not build it for, and no
  // LAMBDALAKE_TABLE_MAINTENANCE_JAR), expiry still runs through the catalog; nothing is compacted.
  const jarPath = tableMaintenanceJarPath();
  const jarMissing = await access(jarPath).then(
    () => null,
    () => `no table-maintenance jar at ${jarPath} (set LAMBDALAKE_TABLE_MAINTENANCE_JAR)`,
  );
  if (jarMissing) options.say?.(`${jarMissing}: compaction skipped, expiry without file cleanup`);
  for (const plan of await planExpiry(cp, options)) {
    const table = `${cp.endpoints.namespace}.${plan.name}`;
    try {
      const result = jarMissing
        ? await expireOnly(cp, plan, jarMissing)
        : await runMaintenanceJob(
            cp,
            {
              ...plan,
              skipRewrite:
                options.compaction === false
                  ? 'compaction off'
                  : compactionSkipReason(plan.view, policy),
            },
            { policy, jar, jobTimeoutMs: options.jobTimeoutMs ?? 600_000 },
          );
      report.compaction.push(result);
      report.expiry.push({
        table,
        expired: plan.expire.length,
        kept: plan.view.snapshots.length - plan.expire.length,
      });
      if (result.jobId)
        options.say?.(
          `${table}: rewrote ${result.rewrittenDataFiles} data file(s) into ${result.addedDataFiles}, expired ${plan.expire.length} snapshot(s) (Flink job ${result.jobId})`,
        );
    } catch (error) {
      // One table's failure (a job failed, a commit lost a race) leaves the others maintained; the
      // failed one is tried again at the next run, and the report says which and why.
      const message = error instanceof Error ? error.message : String(error);
      report.failed.push({ table, error: message });
      report.compaction.push(notCompacted(table, plan.view, `failed: ${message.split('\n')[0]}`));
      report.expiry.push({ table, expired: 0, kept: plan.view.snapshots.length });
      options.say?.(`${table}: maintenance failed: ${message}`);
    }
  }
  return report;
}

/** Expiry through the catalog alone (no job jar): nothing is compacted. */
async function expireOnly(
  cp: ControlPlane,
  plan: ExpiryPlan,
  why: string,
): Promise<CompactionResult> {
  await removeSnapshotsThroughCatalog(cp, plan);
  return notCompacted(`${cp.endpoints.namespace}.${plan.name}`, plan.view, why);
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
