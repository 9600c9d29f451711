import { expect, test } from 'vitest';
import type { Admin } from 'kafkajs';
import { ensureTopics, missingTopics } from './topics.ts';

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

test('created topics are waited for while a KRaft broker does not know them yet, then until every partition has a leader', async () => {
  const calls: string[] = [];
  let probes = 0;
  const unknown = Object.assign(new Error('This server does not host this topic-partition'), {
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
  });
  const admin = {
    listTopics: async () => ['page_views'],
    createTopics: async (options: { waitForLeaders?: boolean }) => {
      // kafkajs's own wait gives up on UNKNOWN_TOPIC_OR_PARTITION, as a fresh Kafka 4 broker answers.
      if (options.waitForLeaders) throw unknown;
      calls.push('create');
      return true;
    },
    fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
      probes += 1;
      if (probes === 1) throw unknown;
      const leader = probes === 2 ? -1 : 1;
      return { topics: topics.map((name) => ({ name, partitions: [{ partitionId: 0, leader }] })) };
    },
  } as unknown as Admin;
  const created = await ensureTopics(admin, [
    { name: 'page_views', partitions: 3, compacted: false },
    { name: 'orders', partitions: 1, compacted: false },
  ]);
  expect(created).toEqual(['orders']);
  expect(calls).toEqual(['create']);
  expect(probes).toBe(3);
});

test('another metadata error is not waited out', async () => {
  const admin = {
    listTopics: async () => [],
    createTopics: async () => true,
    fetchTopicMetadata: async () => {
      throw Object.assign(new Error('Not authorized'), { type: 'TOPIC_AUTHORIZATION_FAILED' });
    },
  } as unknown as Admin;
  await expect(
    ensureTopics(admin, [{ name: 'orders', partitions: 1, compacted: false }]),
  ).rejects.toThrow(/Not authorized/);
});
