import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { ControlPlaneError } from '../errors.ts';

/** How long one range read may take by default before it fails. */
const READ_TIMEOUT_MS = 15_000;

export interface OffsetRange {
  partition: number;
  /** First offset to read (inclusive). */
  from: string;
  /** Where to stop (exclusive). */
  to: string;
}

/**
 * Reads the records of `topic` in the given offset ranges, one callback each. kafkajs fetches only
 * through a consumer group, so this one is throwaway (random id, never commits, deleted after).
 * A range ends at its `to` or at the partition's log end, whichever comes first: offsets without a
 * data record (transaction markers, compacted records) are skipped by Kafka itself.
 */
export async function readRanges(
  kafka: Kafka,
  topic: string,
  ranges: OffsetRange[],
  onRecord: (partition: number, message: KafkaMessage) => void,
  timeoutMs = READ_TIMEOUT_MS,
): Promise<void> {
  const wanted = ranges.filter((r) => BigInt(r.to) > BigInt(r.from));
  if (wanted.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `lambdalake-read-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  try {
    const ends = new Map(
      (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]),
    );
    // The last offset each range can reach: its end, or the partition's log end.
    const stops = new Map<number, bigint>();
    for (const r of wanted) {
      const stop = minBig(BigInt(r.to), ends.get(r.partition) ?? 0n);
      if (stop > BigInt(r.from)) stops.set(r.partition, stop);
    }
    if (stops.size === 0) return;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const pending = new Set(stops.keys());
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const stop = stops.get(batch.partition);
        if (stop === undefined || !pending.has(batch.partition)) return;
        const range = wanted.find((r) => r.partition === batch.partition)!;
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset < BigInt(range.from)) continue;
          if (offset >= stop) break;
          onRecord(batch.partition, message);
        }
        // An empty batch's lastOffset is the high watermark − 1, so markers ending a range end it too.
        if (BigInt(batch.lastOffset()) + 1n >= stop) pending.delete(batch.partition);
        if (pending.size === 0) finish();
      },
    });
    for (const r of wanted)
      if (stops.has(r.partition)) consumer.seek({ topic, partition: r.partition, offset: r.from });
    // The timer is cleared on success: a pending one would keep a CLI process alive after its work.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      finished.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut)
      throw new ControlPlaneError(
        'timeout',
        `reading offsets ${wanted.map((r) => `${r.partition}:[${r.from},${r.to})`).join(', ')} of '${topic}' did not finish in ${timeoutMs} ms`,
        true,
      );
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
