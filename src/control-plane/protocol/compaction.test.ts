import { expect, test } from 'vitest';
import {
  COMPACTION_JOB_PROPERTY,
  compactionJobArgs,
  compactionJobName,
  compactionOutcome,
  compactionSkipReason,
} from './compaction.ts';
import type { TableView } from './ports.ts';

const policy = { minDataFiles: 10, targetFileSizeBytes: 1024 };

const withFiles = (files: number | null): TableView => ({
  properties: {},
  refs: {},
  currentSnapshotId: files === null ? null : '2',
  snapshots:
    files === null
      ? []
      : [
          { snapshotId: '1', parentId: null, timestampMs: 1, summary: {} },
          {
            snapshotId: '2',
            parentId: '1',
            timestampMs: 2,
            summary: { 'total-data-files': String(files) },
          },
        ],
});

test('a table is compacted from the policy’s file count on; an empty or small one says why not', () => {
  expect(compactionSkipReason(withFiles(10), policy)).toBeNull();
  expect(compactionSkipReason(withFiles(9), policy)).toBe('9 data file(s), fewer than 10');
  expect(compactionSkipReason(withFiles(null), policy)).toBe('no snapshot');
});

test('the job is given the catalog, the table, its deployment-prefixed name, the target size and the snapshots to expire', () => {
  expect(
    compactionJobArgs({
      catalogUri: 'http://127.0.0.1:18181',
      table: 'lake1.master_orders',
      jobName: compactionJobName('lake1', 'master_orders'),
      targetFileSizeBytes: 1024,
      rewrite: true,
      expireSnapshotIds: ['7', '9'],
    }),
  ).toEqual([
    '--uri',
    'http://127.0.0.1:18181',
    '--table',
    'lake1.master_orders',
    '--job-name',
    'lake1-maintenance-compact-master_orders',
    '--target-file-size-bytes',
    '1024',
    '--rewrite',
    'true',
    '--expire-snapshot-ids',
    '7,9',
  ]);
  expect(
    compactionJobArgs({
      catalogUri: 'u',
      warehouse: 's3://bucket/wh',
      table: 't',
      jobName: 'j',
      targetFileSizeBytes: 1,
      rewrite: false,
      expireSnapshotIds: [],
    }).slice(2, 4),
  ).toEqual(['--warehouse', 's3://bucket/wh']);
});

test('what a job did is read from the replace snapshot carrying its id; none means nothing was rewritten', () => {
  const table: TableView = {
    ...withFiles(3),
    snapshots: [
      ...withFiles(3).snapshots,
      {
        snapshotId: '3',
        parentId: '2',
        timestampMs: 3,
        summary: {
          operation: 'replace',
          [COMPACTION_JOB_PROPERTY]: 'job-a',
          'deleted-data-files': '12',
          'added-data-files': '2',
          'total-data-files': '1',
        },
      },
    ],
  };
  expect(compactionOutcome(table, 'job-a')).toEqual({
    snapshotId: '3',
    rewrittenDataFiles: 12,
    addedDataFiles: 2,
    dataFilesReplaced: 3,
    dataFilesAfterReplace: 1,
  });
  expect(compactionOutcome(table, 'job-b')).toEqual({
    snapshotId: null,
    rewrittenDataFiles: 0,
    addedDataFiles: 0,
    dataFilesReplaced: null,
    dataFilesAfterReplace: null,
  });
});
