import { expect, test } from 'vitest';
import { awaitLeaders } from './kafkaTopics.ts';

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
