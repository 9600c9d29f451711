import { expect, test } from 'vitest';
import {
  evolveSchemaCommit,
  requirement,
  rollbackBranchCommit,
  tagSnapshotCommit,
  update,
} from './commits.ts';
import { stringifyJson } from './losslessJson.ts';

test('snapshot ids beyond 2^53 are sent as exact JSON integers', () => {
  const commit = tagSnapshotCommit('published', '7393955914635036011');
  expect(stringifyJson(commit)).toBe(
    '{"requirements":[{"type":"assert-ref-snapshot-id","ref":"published","snapshot-id":null}],"updates":[{"action":"set-snapshot-ref","ref-name":"published","type":"tag","snapshot-id":7393955914635036011}]}',
  );
});

test('a branch rollback asserts where the branch is and moves it back', () => {
  expect(rollbackBranchCommit('main', '30', '20')).toEqual({
    requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 30 }],
    updates: [
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 20 },
    ],
  });
});

test('schema evolution adds the schema, makes it current, guarded on the current schema id', () => {
  const schema = {
    type: 'struct' as const,
    'schema-id': 1,
    fields: [{ id: 1, name: 'x', type: 'long', required: false }],
  };
  expect(evolveSchemaCommit(0, schema)).toEqual({
    requirements: [{ type: 'assert-current-schema-id', 'current-schema-id': 0 }],
    updates: [
      { action: 'add-schema', schema },
      { action: 'set-current-schema', 'schema-id': -1 },
    ],
  });
});

test('property and ref updates have the spec shapes', () => {
  expect(update.setProperties({ a: '1' })).toEqual({
    action: 'set-properties',
    updates: { a: '1' },
  });
  expect(update.removeProperties(['a'])).toEqual({ action: 'remove-properties', removals: ['a'] });
  expect(update.removeSnapshotRef('t')).toEqual({ action: 'remove-snapshot-ref', 'ref-name': 't' });
  expect(requirement.tableUuid('u')).toEqual({ type: 'assert-table-uuid', uuid: 'u' });
});
