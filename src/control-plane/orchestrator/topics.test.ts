import { expect, test } from 'vitest';
import { awaitLeaders, missingTopics } from './topics.ts';

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

test('a new topic the broker does not know yet is waited for; another error is thrown at once', async () => {
  const answers: (Error | { topics: { name: string; partitions: { leader: number }[] }[] })[] = [
    Object.assign(new Error('This server does not host this topic-partition'), {
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
    }),
    { topics: [{ name: 't', partitions: [{ leader: -1 }] }] },
    { topics: [{ name: 't', partitions: [{ leader: 1 }] }] },
  ];
  let calls = 0;
  const admin = {
    fetchTopicMetadata: async () => {
      const answer = answers[calls++]!;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as Parameters<typeof awaitLeaders>[0];
  await awaitLeaders(admin, ['t'], { pollMs: 1 });
  expect(calls).toBe(3);
  const broken = {
    fetchTopicMetadata: async () => {
      throw Object.assign(new Error('denied'), { type: 'TOPIC_AUTHORIZATION_FAILED' });
    },
  } as unknown as Parameters<typeof awaitLeaders>[0];
  await expect(awaitLeaders(broken, ['t'], { pollMs: 1 })).rejects.toThrow('denied');
});
