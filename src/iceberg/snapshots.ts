import { idText } from './losslessJson.ts';
import type { Snapshot, TableMetadata } from './types.ts';

/** A snapshot with its id and parent as exact decimal text. */
export interface SnapshotInfo {
  snapshotId: string;
  parentId: string | null;
  sequenceNumber: number;
  timestampMs: number;
  operation: string;
  summary: Record<string, string>;
  manifestList: string;
}

export interface RefInfo {
  name: string;
  type: 'tag' | 'branch';
  snapshotId: string;
}

export function snapshotInfo(s: Snapshot): SnapshotInfo {
  const summary = (s.summary ?? {}) as Record<string, string>;
  return {
    snapshotId: idText(s['snapshot-id']),
    parentId:
      s['parent-snapshot-id'] !== undefined && s['parent-snapshot-id'] !== null
        ? idText(s['parent-snapshot-id'])
        : null,
    sequenceNumber: Number(s['sequence-number'] ?? 0),
    timestampMs: Number(s['timestamp-ms']),
    operation: summary.operation ?? '',
    summary,
    manifestList: s['manifest-list'],
  };
}

/** The current snapshot of the main branch, or null for an empty table. */
export function currentSnapshot(metadata: TableMetadata): SnapshotInfo | null {
  const id = metadata['current-snapshot-id'];
  if (id === undefined || id === null || idText(id) === '-1') return null;
  return snapshotById(metadata, idText(id));
}

export function snapshotById(metadata: TableMetadata, snapshotId: string): SnapshotInfo | null {
  const found = (metadata.snapshots ?? []).find((s) => idText(s['snapshot-id']) === snapshotId);
  return found ? snapshotInfo(found) : null;
}

/** Every snapshot, oldest first. */
export function snapshotHistory(metadata: TableMetadata): SnapshotInfo[] {
  return (metadata.snapshots ?? [])
    .map(snapshotInfo)
    .sort((a, b) => a.sequenceNumber - b.sequenceNumber || a.timestampMs - b.timestampMs);
}

/** Tags and branches with the snapshots they point at. */
export function refsOf(metadata: TableMetadata): RefInfo[] {
  return Object.entries(metadata.refs ?? {}).map(([name, ref]) => ({
    name,
    type: ref.type as 'tag' | 'branch',
    snapshotId: idText(ref['snapshot-id']),
  }));
}
