import { idValue } from './losslessJson.ts';
import type { Schema, TableCommit, TableRequirement, TableUpdate } from './types.ts';

/** Builders for the spec's requirements and updates; ids are taken as exact decimal text. */
export const requirement = {
  create: (): TableRequirement => ({ type: 'assert-create' }),
  tableUuid: (uuid: string): TableRequirement =>
    ({ type: 'assert-table-uuid', uuid }) as TableRequirement,
  /** The ref must point at `snapshotId`; null means the ref must not exist. */
  refSnapshotId: (ref: string, snapshotId: string | null): TableRequirement =>
    ({
      type: 'assert-ref-snapshot-id',
      ref,
      'snapshot-id': snapshotId === null ? null : idValue(snapshotId),
    }) as TableRequirement,
  currentSchemaId: (schemaId: number): TableRequirement =>
    ({ type: 'assert-current-schema-id', 'current-schema-id': schemaId }) as TableRequirement,
  lastAssignedFieldId: (id: number): TableRequirement =>
    ({ type: 'assert-last-assigned-field-id', 'last-assigned-field-id': id }) as TableRequirement,
  defaultSpecId: (id: number): TableRequirement =>
    ({ type: 'assert-default-spec-id', 'default-spec-id': id }) as TableRequirement,
};

export const update = {
  setProperties: (updates: Record<string, string>): TableUpdate => ({
    action: 'set-properties',
    updates,
  }),
  removeProperties: (removals: string[]): TableUpdate => ({
    action: 'remove-properties',
    removals,
  }),
  /** Points a tag or branch at a snapshot (moving a branch forward is a fast-forward). */
  setSnapshotRef: (
    refName: string,
    type: 'tag' | 'branch',
    snapshotId: string,
    retention: { maxRefAgeMs?: number } = {},
  ): TableUpdate =>
    ({
      action: 'set-snapshot-ref',
      'ref-name': refName,
      type,
      'snapshot-id': idValue(snapshotId),
      ...(retention.maxRefAgeMs !== undefined ? { 'max-ref-age-ms': retention.maxRefAgeMs } : {}),
    }) as TableUpdate,
  removeSnapshotRef: (refName: string): TableUpdate => ({
    action: 'remove-snapshot-ref',
    'ref-name': refName,
  }),
  /** Adds a schema; -1 as current makes set-current-schema refer to "the schema just added". */
  addSchema: (schema: Schema): TableUpdate => ({ action: 'add-schema', schema }) as TableUpdate,
  setCurrentSchema: (schemaId = -1): TableUpdate => ({
    action: 'set-current-schema',
    'schema-id': schemaId,
  }),
};

/** Tag `snapshotId` as `tag`, guarded so the tag is created only if it does not exist yet. */
export function tagSnapshotCommit(
  tag: string,
  snapshotId: string,
  options: { replace?: boolean; expectedCurrent?: string | null } = {},
): TableCommit {
  return {
    requirements: options.replace
      ? []
      : [requirement.refSnapshotId(tag, options.expectedCurrent ?? null)],
    updates: [update.setSnapshotRef(tag, 'tag', snapshotId)],
  };
}

/** Moves a branch back to an earlier snapshot, guarded on where the branch is now. */
export function rollbackBranchCommit(
  branch: string,
  currentSnapshotId: string,
  targetSnapshotId: string,
): TableCommit {
  return {
    requirements: [requirement.refSnapshotId(branch, currentSnapshotId)],
    updates: [update.setSnapshotRef(branch, 'branch', targetSnapshotId)],
  };
}

/** Schema evolution: add `schema` and make it current, guarded on the current schema id. */
export function evolveSchemaCommit(currentSchemaId: number, schema: Schema): TableCommit {
  return {
    requirements: [requirement.currentSchemaId(currentSchemaId)],
    updates: [update.addSchema(schema), update.setCurrentSchema(-1)],
  };
}
