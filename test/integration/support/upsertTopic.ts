import type { Kafka } from 'kafkajs';

/** The latest value per key of an upsert topic (tombstones delete), read to its current end. */
export async function readUpsertTopic(
  kafka: Kafka,
  topic: string,
  timeoutMs = 60_000,
): Promise<Map<string, Record<string, unknown>>> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  for (const [p, high] of remaining) if (high === 0n) remaining.delete(p);
  const rows = new Map<string, Record<string, unknown>>();
  if (remaining.size === 0) return rows;
  const consumer = kafka.consumer({ groupId: `it-read-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`reading ${topic} to its end took over ${timeoutMs} ms`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const key = message.key?.toString() ?? '';
          if (message.value)
            rows.set(key, JSON.parse(message.value.toString()) as Record<string, unknown>);
          else rows.delete(key);
          if (BigInt(message.offset) + 1n >= (remaining.get(partition) ?? 0n))
            remaining.delete(partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            done();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return rows;
}
