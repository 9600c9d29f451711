import { describe, expect, test } from 'vitest';
import { assertServedVersion, servingDifference, type ShownUnion } from './reconcile.ts';
import type { Publication } from './publication.ts';

const publication: Publication = {
  snapshotId: '42',
  cutover: '2026-11-24T21:00:00.000Z',
  version: 'v2',
  masterSnapshotId: '9',
  publishedAt: '2026-11-24T21:40:00.000Z',
  runId: 'r',
};
const shown = (version: string, snapshotId: string | null, cutover: string): ShownUnion => ({
  version,
  grainColumn: 'hour',
  grainSize: '1 hour',
  keyColumns: [],
  columns: [],
  batch: { table: 't', snapshotId, cutover },
  speed: { topic: 's' },
});

describe('servingDifference', () => {
  test('the same publication (any spelling of the instant) is no difference', () => {
    expect(servingDifference(shown('v2', '42', '2026-11-24T21:00:00Z'), 'v2', publication)).toBe(
      null,
    );
  });
  test('another version, snapshot, cutover or no view at all is one, named', () => {
    expect(servingDifference(shown('v1', '42', publication.cutover), 'v2', publication)).toMatch(
      /shows version v1; the catalog serves v2/,
    );
    expect(servingDifference(shown('v2', '41', publication.cutover), 'v2', publication)).toMatch(
      /snapshot 41; published is 42/,
    );
    expect(servingDifference(shown('v2', '42', '2026-11-24T20:00:00Z'), 'v2', publication)).toMatch(
      /cutover/,
    );
    expect(servingDifference(null, 'v2', publication)).toMatch(/no view/);
  });
  test('another speed topic generation is one, when the catalog names the served one', () => {
    const view = shown('v2', '42', publication.cutover);
    expect(servingDifference(view, 'v2', publication, 's.g1')).toMatch(
      /reads speed topic s; the catalog serves s\.g1/,
    );
    expect(servingDifference(view, 'v2', publication, 's')).toBe(null);
  });
  test('nothing published: nothing to compare', () => {
    expect(servingDifference(null, 'v2', null)).toBe(null);
  });
});

test('a cycle of stale definitions is refused unless it is the version switch itself', () => {
  expect(() => assertServedVersion('m', 'v1', 'v2', false)).toThrow(
    /compile to version v1, but the catalog serves version v2/,
  );
  expect(() => assertServedVersion('m', 'v2', 'v1', true)).not.toThrow();
  expect(() => assertServedVersion('m', 'v1', null, false)).not.toThrow();
});
