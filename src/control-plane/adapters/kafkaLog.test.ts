import { expect, test } from 'vitest';
import { retryingKafka } from './kafkaLog.ts';

const kafkaError = (message: string, retriable: boolean) =>
  Object.assign(new Error(message), { retriable });

test('a retriable Kafka error (a moving group coordinator) is retried; another fails at once', async () => {
  let calls = 0;
  const answer = await retryingKafka(
    async () => {
      if (++calls < 3) throw kafkaError('This is not the correct coordinator for this group', true);
      return 'offsets';
    },
    5,
    1,
  );
  expect([answer, calls]).toEqual(['offsets', 3]);
  let denied = 0;
  await expect(
    retryingKafka(
      async () => {
        denied++;
        throw kafkaError('Group authorization failed', false);
      },
      5,
      1,
    ),
  ).rejects.toThrow('Group authorization failed');
  expect(denied).toBe(1);
});
