import type { Admin, ITopicConfig } from 'kafkajs';
import { pollUntil } from './poll.ts';

/** A topic deploy wants to exist. Speed topics are compacted: only the latest value per key matters. */
export interface DesiredTopic {
  name: string;
  partitions: number;
  compacted: boolean;
}

/** Pure: which of the desired topics are missing, as kafkajs topic configs. */
export function missingTopics(
  desired: readonly DesiredTopic[],
  existing: ReadonlySet<string>,
): ITopicConfig[] {
  return desired
    .filter((topic) => !existing.has(topic.name))
    .map((topic) => ({
      topic: topic.name,
      numPartitions: topic.partitions,
      replicationFactor: -1, // the broker's default: 1 locally, the cluster's policy elsewhere
      configEntries: topic.compacted
        ? [
            { name: 'cleanup.policy', value: 'compact' },
            // Tombstones must outlive a serving restart's replay of the topic.
            { name: 'delete.retention.ms', value: String(24 * 3600 * 1000) },
          ]
        : [],
    }));
}

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
  await waitForLeaders(admin, names);
  return names;
}

/**
 * Waits until every partition of the topics has a leader. Not kafkajs's `waitForLeaders`: it retries
 * only LEADER_NOT_AVAILABLE, while a Kafka 4 (KRaft) broker that has not yet applied the new topic
 * answers UNKNOWN_TOPIC_OR_PARTITION for a moment, which failed the first deploy on a fresh stack.
 */
async function waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
  let last = 'no answer yet';
  await pollUntil(
    async () => {
      try {
        const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
        const leaderless = metadata.flatMap((t) =>
          t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}[${p.partitionId}]`),
        );
        if (metadata.length === topics.length && leaderless.length === 0) return true;
        last = `partitions without a leader: ${leaderless.join(', ') || 'topics missing'}`;
      } catch (error) {
        const type = (error as { type?: string }).type;
        if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw error;
        last = `the broker answers ${type}`;
      }
      return undefined;
    },
    {
      timeoutMs: 30_000,
      pollMs: 100,
      reason: () => `created topics ${topics.join(', ')} have no leader yet: ${last}`,
    },
  );
}
