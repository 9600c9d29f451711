import type { ITopicConfig } from 'kafkajs';

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
