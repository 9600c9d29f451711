import { idValue, requirement, type TableUpdate } from '../../iceberg/index.ts';
import { TERMINAL_STATES, readRunRecord } from '../protocol/batchCycleStates.ts';
import { dimensionSnapshotsOf } from '../protocol/dimensionPins.ts';
import { snapshotsToExpire } from '../protocol/maintenance.ts';
import type { TableRef, TableView } from '../protocol/ports.ts';
import { PUBLISHED_TAG, readPublication } from '../protocol/publication.ts';
import type { ControlPlane } from '../controlPlane.ts';

export interface ExpiryResult {
  table: string;
  expired: number;
  kept: number;
}

/** One commit removes at most this many snapshots (the catalog rewrites the metadata file each time). */
const CHUNK = 500;

/**
 * Expires old snapshots of every master and batch view table of the namespace (maintenance.ts has
 * the rule). The master snapshots that publications and in-flight runs pin are read from every
 * batch table first, so a served publication's M (or a running batch's) is never removed.
 */
export async function expireSnapshots(
  cp: ControlPlane,
  options: {
    nowMs?: number;
    retainMs?: number;
    keepNewest?: number;
    say?: (m: string) => void;
  } = {},
): Promise<ExpiryResult[]> {
  const namespace = cp.endpoints.namespace;
  const tables = new Map<string, TableView>();
  for (const t of await cp.catalog.listTables([namespace])) {
    const view = await cp.tables.loadTable({ namespace, name: t.name });
    if (view) tables.set(t.name, view);
  }
  const pinned = new Set<string>();
  for (const view of tables.values()) {
    const publication = readPublication(view.properties, view.refs);
    if (publication?.masterSnapshotId) pinned.add(publication.masterSnapshotId);
    // The dimensions read with a served M are kept with it.
    for (const id of Object.values(
      dimensionSnapshotsOf({ dimensionSnapshotIds: publication?.dimensionSnapshotIds }),
    ))
      if (id) pinned.add(id);
    const run = readRunRecord(view.properties);
    if (run?.masterSnapshotId && !TERMINAL_STATES.has(run.state)) pinned.add(run.masterSnapshotId);
    // A run in flight reads its dimensions at the snapshots it pinned with the master.
    if (run && !TERMINAL_STATES.has(run.state))
      for (const id of Object.values(dimensionSnapshotsOf(run))) if (id) pinned.add(id);
  }
  const results: ExpiryResult[] = [];
  for (const [name, view] of tables) {
    const expired = snapshotsToExpire(view, {
      nowMs: options.nowMs ?? Date.now(),
      retainMs: options.retainMs ?? 3_600_000,
      keepNewest: options.keepNewest ?? 5,
      pinned,
    });
    for (let i = 0; i < expired.length; i += CHUNK)
      await removeSnapshots(cp, { namespace, name }, view, expired.slice(i, i + CHUNK));
    if (expired.length > 0)
      options.say?.(`${namespace}.${name}: expired ${expired.length} snapshot(s)`);
    results.push({
      table: `${namespace}.${name}`,
      expired: expired.length,
      kept: view.snapshots.length - expired.length,
    });
  }
  return results;
}

async function removeSnapshots(
  cp: ControlPlane,
  ref: TableRef,
  view: TableView,
  ids: string[],
): Promise<void> {
  const tag = view.refs[PUBLISHED_TAG]?.['snapshot-id'] ?? null;
  const removal = { action: 'remove-snapshots', 'snapshot-ids': ids.map(idValue) } as TableUpdate;
  // The published tag must still be where it was read: a publication in between is re-read next time.
  await cp.catalog.commitTable(
    { namespace: [ref.namespace], name: ref.name },
    {
      requirements: [requirement.refSnapshotId(PUBLISHED_TAG, tag)],
      updates: [removal],
    },
  );
}
