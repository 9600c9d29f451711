import { describe, expect, test } from 'vitest';
import {
  buildPublishCommit,
  PUBLISHED_TAG,
  readPublication,
  StalePublicationError,
  type Publication,
} from './publication.ts';

const first: Publication = {
  snapshotId: '104148233986056090',
  cutover: '2026-11-24T20:00:00.000Z',
  version: 'a1b2c3d4',
  masterSnapshotId: '8876543210987654321',
  publishedAt: '2026-11-24T21:40:00.000Z',
  runId: 'run-1',
};

describe('buildPublishCommit', () => {
  test('the first publication requires that the tag does not exist yet', () => {
    const commit = buildPublishCommit(null, first);
    expect(commit.requirements).toEqual([
      { type: 'assert-ref-snapshot-id', ref: PUBLISHED_TAG, 'snapshot-id': null },
    ]);
    expect(commit.updates[0]).toEqual({
      action: 'set-snapshot-ref',
      'ref-name': PUBLISHED_TAG,
      type: 'tag',
      'snapshot-id': '104148233986056090',
    });
  });

  test('a later publication requires the tag where it was, and records cutover, version and master snapshot', () => {
    const next = {
      ...first,
      snapshotId: '222',
      cutover: '2026-11-24T21:00:00.000Z',
      runId: 'run-2',
    };
    const commit = buildPublishCommit(first, next);
    expect(commit.requirements[0]?.['snapshot-id']).toBe('104148233986056090');
    expect(commit.updates[1]).toEqual({
      action: 'set-properties',
      updates: {
        'lambdalake.published.snapshot-id': '222',
        'lambdalake.published.cutover': '2026-11-24T21:00:00.000Z',
        'lambdalake.published.version': 'a1b2c3d4',
        'lambdalake.published.master-snapshot-id': '8876543210987654321',
        'lambdalake.published.at': '2026-11-24T21:40:00.000Z',
        'lambdalake.published.run-id': 'run-2',
      },
    });
  });

  test('a cutover never moves backwards unless a backfill asks for it', () => {
    const earlier = { ...first, cutover: '2026-11-24T19:00:00.000Z' };
    expect(() => buildPublishCommit(first, earlier)).toThrow(StalePublicationError);
    expect(buildPublishCommit(first, earlier, { allowEarlierCutover: true }).updates).toHaveLength(
      2,
    );
  });
});

test('a publication reads back from the properties and the tag it wrote', () => {
  const { updates } = buildPublishCommit(null, first);
  const properties = (updates[1] as { updates: Record<string, string> }).updates;
  expect(
    readPublication(properties, { [PUBLISHED_TAG]: { 'snapshot-id': first.snapshotId } }),
  ).toEqual(first);
  expect(readPublication({}, {})).toBeNull();
});
