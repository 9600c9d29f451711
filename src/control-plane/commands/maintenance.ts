import { TERMINAL_STATES, readRunRecord } from '../protocol/batchCycleStates.ts';
import { dimensionSnapshotsOf } from '../protocol/dimensionPins.ts';
import { snapshotsToExpire } from '../protocol/maintenance.ts';
import type { TableView } from '../protocol/ports.ts';
import { readPublication } from '../protocol/publication.ts';
import type { ControlPlane } from '../controlPlane.ts';

export interface ExpiryResult {
  table: string;
  expired: number;
  kept: number;
}

/** A table of the namespace as maintenance read it, with the snapshot ids the rule lets go. */
export interface ExpiryPlan {
  name: string;
  view: TableView;
  expire: string[];
}

/**
 * Which snapshots of every master and batch view table of the namespace may be expired
 * (protocol/maintenance.ts has the rule). The master snapshots that publications and
 * in-flight runs pin are read from every batch table first, so a served publication's M (or a
 * running batch's) is never chosen. The maintenance job expires them (maintenanceJob.ts).
 */
export async function planExpiry(
  cp: ControlPlane,
  options: { nowMs?: number; retainMs?: number; keepNewest?: number } = {},
): Promise<ExpiryPlan[]> {
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
  return [...tables].map(([name, view]) => ({
    name,
    view,
    expire: snapshotsToExpire(view, {
      nowMs: options.nowMs ?? Date.now(),
      retainMs: options.retainMs ?? 3_600_000,
      keepNewest: options.keepNewest ?? 5,
      pinned,
    }),
  }));
}
