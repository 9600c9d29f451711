import { expect, test } from 'vitest';
import { missingTopics } from './topics.ts';

test('only missing topics are created, speed topics compacted', () => {
  const configs = missingTopics(
    [
      { name: 'page_views', partitions: 3, compacted: false },
      { name: 'lambdalake.speed.daily_active_users.v1a2b3c4d', partitions: 1, compacted: true },
    ],
    new Set(['page_views']),
  );
  expect(configs).toEqual([
    {
      topic: 'lambdalake.speed.daily_active_users.v1a2b3c4d',
      numPartitions: 1,
      replicationFactor: -1,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'delete.retention.ms', value: '86400000' },
      ],
    },
  ]);
  expect(
    missingTopics(
      [{ name: 'page_views', partitions: 3, compacted: false }],
      new Set(['page_views']),
    ),
  ).toEqual([]);
});
