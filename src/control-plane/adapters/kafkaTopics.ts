import type { Admin } from 'kafkajs';
import { pollUntil } from '../protocol/poll.ts';
import { missingTopics, type DesiredTopic } from '../protocol/topics.ts';

/** Creates the missing topics and returns their names; a second call creates nothing. */
export async function ensureTopics(
  admin: Admin,
  desired: readonly DesiredTopic[],
): Promise<string[]> {
  const toCreate = missingTopics(desired, new Set(await admin.listTopics()));
  if (toCreate.length === 0) return [];
  // Another deploy may create the same topic concurrently; createTopics then reports false, not an error.
  await admin.createTopics({ topics: toCreate, waitForLeaders: false });
  const names = toCreate.map((t) => t.topic);
  await awaitLeaders(admin, names);
  return names;
}

/** Kafka's answers while a new topic's metadata spreads; anything else is a real error. */
const NOT_YET = new Set(['LEADER_NOT_AVAILABLE', 'UNKNOWN_TOPIC_OR_PARTITION']);

/**
 * Until every partition of the new topics has a leader. kafkajs's own `waitForLeaders` retries only
 * LEADER_NOT_AVAILABLE, but a KRaft broker first answers UNKNOWN_TOPIC_OR_PARTITION for a topic it
 * has just created ("This server does not host this topic-partition"), which failed a deploy.
 */
export async function awaitLeaders(
  admin: Pick<Admin, 'fetchTopicMetadata'>,
  topics: string[],
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<void> {
  let last = '';
  await pollUntil(
    async () => {
      try {
        const { topics: found } = await admin.fetchTopicMetadata({ topics });
        const ready = found.every(
          (t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0),
        );
        last = ready ? '' : 'partitions without a leader';
        return ready ? true : undefined;
      } catch (error) {
        const type = (error as { type?: string }).type ?? '';
        if (!NOT_YET.has(type)) throw error;
        last = type;
        return undefined;
      }
    },
    {
      timeoutMs: options.timeoutMs ?? 30_000,
      pollMs: options.pollMs ?? 100,
      reason: () => `new topics ${topics.join(', ')} have no leader yet (${last})`,
    },
  );
}
