import { TERMINAL_STATES, readRunRecord } from '../protocol/batchCycleStates.ts';
import { dimensionSnapshotsOf } from '../protocol/dimensionPins.ts';
import { snapshotsToExpire } from '../protocol/maintenance.ts';
import type { TableView } from '../protocol/ports.ts';
import { PUBLISHED_TAG, readPublication } from '../protocol/publication.ts';
import { idValue, requirement, type TableUpdate } from '../../iceberg/index.ts';
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

/** One commit removes at most this many snapshots (the catalog rewrites the metadata file each time). */
const REMOVAL_CHUNK = 500;

/**
 * Expiry through the catalog alone, for a cluster without the maintenance job's jar: the chosen
 * snapshots leave the table metadata, guarded on the published tag still being where it was read
 * (a publication in between is re-read next time). Their files stay: only the job deletes files.
 */
export async function removeSnapshotsThroughCatalog(
  cp: ControlPlane,
  plan: ExpiryPlan,
): Promise<void> {
  const tag = plan.view.refs[PUBLISHED_TAG]?.['snapshot-id'] ?? null;
  for (let i = 0; i < plan.expire.length; i += REMOVAL_CHUNK) {
    const removal = {
      action: 'remove-snapshots',
      'snapshot-ids': plan.expire.slice(i, i + REMOVAL_CHUNK).map(idValue),
    } as TableUpdate;
    await cp.catalog.commitTable(
      { namespace: [cp.endpoints.namespace], name: plan.name },
      { requirements: [requirement.refSnapshotId(PUBLISHED_TAG, tag)], updates: [removal] },
    );
  }
}
