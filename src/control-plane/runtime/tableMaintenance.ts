import type { CompactionPolicy } from '../orchestrator/compaction.ts';
import { compactTables, type CompactionResult } from './compaction.ts';
import type { ControlPlane } from './controlPlane.ts';
import { expireSnapshots, type ExpiryResult } from './maintenance.ts';

export interface TableMaintenanceReport {
  compaction: CompactionResult[];
  expiry: ExpiryResult[];
}

/**
 * Table maintenance of the namespace's master and batch view tables: small-file compaction, then
 * snapshot expiry (so the snapshots compaction superseded can go at the next run's retention).
 * Both keep what serving reads: compaction leaves older snapshots as they were, and expiry never
 * removes one a publication or a running batch pins.
 */
export async function maintainTables(
  cp: ControlPlane,
  options: {
    retainMs?: number;
    keepNewest?: number;
    /** false: expiry only. */
    compaction?: Partial<CompactionPolicy> | false;
    say?: (message: string) => void;
  } = {},
): Promise<TableMaintenanceReport> {
  const compaction =
    options.compaction === false
      ? []
      : await compactTables(cp, { policy: options.compaction, say: options.say });
  const expiry = await expireSnapshots(cp, {
    retainMs: options.retainMs,
    keepNewest: options.keepNewest,
    say: options.say,
  });
  return { compaction, expiry };
}
