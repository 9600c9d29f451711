import {
  CommitFailedError,
  IcebergCatalogClient,
  idText,
  NoSuchTableError,
  refsOf,
  snapshotHistory,
  update,
} from '../../iceberg/index.ts';
import type { TableRequirement, TableUpdate } from '../../iceberg/index.ts';
import { idValue } from '../../iceberg/index.ts';
import {
  CommitConflictError,
  type TableCatalog,
  type TableRef,
  type TableView,
} from '../protocol/ports.ts';
import type { CommitRequirement, CommitUpdate } from '../protocol/publication.ts';

/** The protocol's TableCatalog over the Iceberg REST client; ids stay exact decimal strings. */
export class IcebergTables implements TableCatalog {
  constructor(readonly client: IcebergCatalogClient) {}

  async loadTable(table: TableRef): Promise<TableView | null> {
    try {
      const { metadata } = await this.client.loadTable({
        namespace: [table.namespace],
        name: table.name,
      });
      const current = metadata['current-snapshot-id'];
      return {
        properties: (metadata.properties ?? {}) as Record<string, string>,
        refs: Object.fromEntries(
          refsOf(metadata).map((r) => [r.name, { 'snapshot-id': r.snapshotId, type: r.type }]),
        ),
        currentSnapshotId:
          current === undefined || current === null || idText(current) === '-1'
            ? null
            : idText(current),
        snapshots: snapshotHistory(metadata).map((s) => ({
          snapshotId: s.snapshotId,
          parentId: s.parentId,
          timestampMs: s.timestampMs,
          summary: s.summary,
        })),
      };
    } catch (error) {
      if (error instanceof NoSuchTableError) return null;
      throw error;
    }
  }

  async commit(
    table: TableRef,
    requirements: CommitRequirement[],
    updates: CommitUpdate[],
  ): Promise<void> {
    const toSpec = (r: CommitRequirement) =>
      ({
        ...r,
        'snapshot-id': r['snapshot-id'] === null ? null : idValue(r['snapshot-id']),
      }) as TableRequirement;
    const toUpdate = (u: CommitUpdate): TableUpdate => {
      switch (u.action) {
        case 'set-snapshot-ref':
          return update.setSnapshotRef(u['ref-name'], u.type, u['snapshot-id']);
        case 'set-properties':
          return update.setProperties(u.updates);
        case 'remove-properties':
          return update.removeProperties(u.removals);
      }
    };
    try {
      await this.client.commitTable(
        { namespace: [table.namespace], name: table.name },
        { requirements: requirements.map(toSpec), updates: updates.map(toUpdate) },
      );
    } catch (error) {
      if (error instanceof CommitFailedError) throw new CommitConflictError(table, error.message);
      throw error;
    }
  }

  async setProperties(
    table: TableRef,
    updates: Record<string, string>,
    removals: string[] = [],
  ): Promise<void> {
    const changes: TableUpdate[] = [update.setProperties(updates)];
    if (removals.length > 0) changes.push(update.removeProperties(removals));
    await this.client.commitTable(
      { namespace: [table.namespace], name: table.name },
      { requirements: [], updates: changes },
    );
  }
}
