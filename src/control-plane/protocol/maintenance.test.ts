import { expect, test } from 'vitest';
import { snapshotsToExpire, tableCounts } from './maintenance.ts';
import type { TableView } from './ports.ts';

const MIN = 60_000;
const table: TableView = {
  properties: {},
  refs: {
    main: { 'snapshot-id': '9', type: 'branch' },
    'lambdalake-published': { 'snapshot-id': '4', type: 'tag' },
  },
  currentSnapshotId: '9',
  snapshots: Array.from({ length: 9 }, (_, i) => ({
    snapshotId: String(i + 1),
    parentId: i === 0 ? null : String(i),
    timestampMs: (i + 1) * 10 * MIN,
    summary: { 'total-data-files': String(i + 1) },
  })),
};

test('expiry keeps the current, tagged, pinned, recent and newest snapshots; removes the rest oldest first', () => {
  expect(
    snapshotsToExpire(table, {
      nowMs: 100 * MIN,
      retainMs: 25 * MIN,
      keepNewest: 2,
      pinned: new Set(['2']),
    }),
  ).toEqual(['1', '3', '5', '6', '7']);
});

test('nothing old enough: nothing expires', () => {
  expect(
    snapshotsToExpire(table, {
      nowMs: 100 * MIN,
      retainMs: 1000 * MIN,
      keepNewest: 1,
      pinned: new Set(),
    }),
  ).toEqual([]);
});

test('status counts snapshots and the current snapshot’s data files', () => {
  expect(tableCounts(table)).toEqual({ snapshots: 9, dataFiles: 9 });
});
