/**
 * One writer per run record. Iceberg has no requirement on table properties, so the record is
 * guarded twice: every write carries `assert-ref-snapshot-id` on the published tag (before publish:
 * still at the run's base; from publish on: at the run's own snapshot), so nothing a run writes
 * can land after another run published; and the record's `owner` must still be this invocation,
 * checked on a fresh read right before the commit, so an invocation whose run was taken over (a
 * second `batch` resumed it, or started a new one) stops at its next write instead of
 * interleaving. The window between that read and the commit is one catalog round trip.
 */
import {
  readRunRecord,
  runRecordProperties,
  staleRunKeys,
  TERMINAL_STATES,
  type BatchRunRecord,
} from './batchCycleStates.ts';
import { ControlPlaneError } from '../errors.ts';
import type { TableCatalog, TableRef, TableView } from './ports.ts';
import { PUBLISHED_TAG, readPublication, type Publication } from './publication.ts';

export class RunRecordTakenError extends ControlPlaneError {
  constructor(runId: string, holder: string) {
    super(
      'run-record-taken',
      `run ${runId} no longer owns the batch table's run record (now held by ${holder}): another 'batch' took over`,
      false,
    );
    this.name = 'RunRecordTakenError';
  }
}

/** States whose record is written after the run's own publish commit. */
const AFTER_PUBLISH = new Set(['register', 'done']);

/** Where the published tag must be for `record` to be written (null: absent). */
export function expectedTag(record: BatchRunRecord): string | null {
  const at = AFTER_PUBLISH.has(record.state) ? record.snapshotId : record.basePublishedSnapshotId;
  return at ? at : null;
}

/**
 * Persists `next` as the batch table's run record. `claim` takes the record over (a new run, or a
 * resumed one); otherwise the record must still be this invocation's. Returns the table as written.
 */
export async function writeRunRecord(
  catalog: TableCatalog,
  ref: TableRef,
  next: BatchRunRecord,
  mode: 'claim' | 'own',
): Promise<TableView> {
  const table = await catalog.loadTable(ref);
  if (!table)
    throw new ControlPlaneError(
      'not-deployed',
      `table ${ref.namespace}.${ref.name} is gone`,
      false,
    );
  const held = readRunRecord(table.properties);
  if (mode === 'own' && (held?.runId !== next.runId || held.owner !== next.owner))
    throw new RunRecordTakenError(
      next.runId,
      held ? `${held.runId}/${held.owner ?? '?'}` : 'nobody',
    );
  const fresh = runRecordProperties(next);
  const removals = staleRunKeys(table.properties, next);
  await catalog.commit(
    ref,
    [{ type: 'assert-ref-snapshot-id', ref: PUBLISHED_TAG, 'snapshot-id': expectedTag(next) }],
    [
      { action: 'set-properties', updates: fresh },
      ...(removals.length > 0 ? [{ action: 'remove-properties' as const, removals }] : []),
    ],
  );
  const properties = Object.fromEntries(
    Object.entries({ ...table.properties, ...fresh }).filter(([k]) => !removals.includes(k)),
  );
  return { ...table, properties };
}

/**
 * The record a new invocation continues, or null to start a new run. A record is continued only
 * if it is for this version and nothing else was published since it started; a run killed after
 * its own publish (state 'register') continues at register, never as a whole new cycle.
 */
export function resumableRecord(
  properties: Record<string, string>,
  version: string,
  current: Publication | null,
  requestedCutover: Date | undefined,
): BatchRunRecord | null {
  const record = readRunRecord(properties);
  if (!record || TERMINAL_STATES.has(record.state) || record.version !== version) return null;
  if (requestedCutover && record.cutover && record.cutover !== requestedCutover.toISOString())
    return null;
  if (record.state === 'register') return current?.runId === record.runId ? record : null;
  const sameBase =
    (record.basePublishedSnapshotId ?? '') === (current?.snapshotId ?? '') &&
    (record.basePublishedRunId ?? current?.runId ?? '') === (current?.runId ?? '');
  return sameBase ? record : null;
}

/** The current publication of a loaded batch table. */
export function publicationOf(table: TableView): Publication | null {
  return readPublication(table.properties, table.refs);
}
