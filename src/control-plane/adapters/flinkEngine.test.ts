import { expect, test } from 'vitest';
import { newestRetainedPath } from './flinkEngine.ts';

test('a job stopped with a savepoint resumes from it, not from the older checkpoint before it', () => {
  expect(
    newestRetainedPath({
      latestCompleted: { id: 41, externalPath: 'file:/cp/chk-41' },
      latestSavepoint: { id: 42, externalPath: 'file:/sp/savepoint-42' },
    }),
  ).toBe('file:/sp/savepoint-42');
});

test('a checkpoint newer than the last savepoint wins; nothing retained is null', () => {
  expect(
    newestRetainedPath({
      latestCompleted: { id: 90, externalPath: 'file:/cp/chk-90' },
      latestSavepoint: { id: 42, externalPath: 'file:/sp/savepoint-42' },
    }),
  ).toBe('file:/cp/chk-90');
  expect(
    newestRetainedPath({
      latestCompleted: { id: 3, externalPath: null },
      latestSavepoint: null,
    }),
  ).toBeNull();
});
