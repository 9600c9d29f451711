import type { Producer } from 'kafkajs';
import type { ProducedRecord } from './events.ts';

/** Topic per source; the example sources read these names (see pipelines/sources). */
export interface SourceTopics {
  page_views: string;
  orders: string;
}

/**
 * Produces records in order, in batches, keyed by event id, and returns when Kafka has acknowledged
 * all of them. `onBatch` sees the wall time each batch was acknowledged (freshness measurements).
 */
export async function produceRecords(
  producer: Producer,
  topics: SourceTopics,
  records: readonly ProducedRecord[],
  options: {
    batchSize?: number;
    onBatch?: (batch: readonly ProducedRecord[], ackedAtMs: number) => void;
  } = {},
): Promise<void> {
  const size = options.batchSize ?? 500;
  for (let i = 0; i < records.length; i += size) {
    const batch = records.slice(i, i + size);
    await producer.sendBatch({
      topicMessages: (['page_views', 'orders'] as const)
        .map((source) => ({
          topic: topics[source],
          messages: batch
            .filter((r) => r.source === source)
            .map((r) => ({ key: r.key, value: JSON.stringify(r.value) })),
        }))
        .filter((t) => t.messages.length > 0),
    });
    options.onBatch?.(batch, Date.now());
  }
}
