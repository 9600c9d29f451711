/**
 * Table maintenance: which snapshots of a master or batch view table may be expired. Ingestion
 * commits the master table on every checkpoint (one snapshot a second of data, forever); the batch
 * table gets one per cycle. The maintenance job expires the snapshots chosen here and deletes the
 * files no retained snapshot reads (commands/tableMaintenance.ts); it never chooses one that is:
 * current, pointed at by a ref (the published tag), pinned by a publication or an in-flight run
 * (the master snapshot M a batch reads), younger than the retention, or among the newest few.
 */
import type { TableView } from './ports.ts';

export interface ExpiryPolicy {
  nowMs: number;
  /** Snapshots younger than this are kept (a batch may be about to pin one). */
  retainMs: number;
  /** The newest this many snapshots are kept whatever their age. */
  keepNewest: number;
  /** Snapshot ids something reads: publications' master snapshots, in-flight runs' pins. */
  pinned: ReadonlySet<string>;
}

/** The snapshot ids of `table` to expire under `policy`, oldest first. */
export function snapshotsToExpire(table: TableView, policy: ExpiryPolicy): string[] {
  const keep = new Set<string>(policy.pinned);
  if (table.currentSnapshotId) keep.add(table.currentSnapshotId);
  for (const ref of Object.values(table.refs)) keep.add(ref['snapshot-id']);
  const newestFirst = [...table.snapshots].sort((a, b) => b.timestampMs - a.timestampMs);
  for (const s of newestFirst.slice(0, policy.keepNewest)) keep.add(s.snapshotId);
  return newestFirst
    .filter((s) => !keep.has(s.snapshotId) && s.timestampMs < policy.nowMs - policy.retainMs)
    .map((s) => s.snapshotId)
    .reverse();
}

/** What status reports of a table's size: snapshots in its metadata, data files in the current one. */
export function tableCounts(table: TableView): { snapshots: number; dataFiles: number | null } {
  const current = table.snapshots.find((s) => s.snapshotId === table.currentSnapshotId);
  const files = current?.summary['total-data-files'];
  return {
    snapshots: table.snapshots.length,
    dataFiles: files === undefined ? null : Number(files),
  };
}
