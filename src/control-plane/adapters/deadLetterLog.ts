import { Kafka, logLevel, type Admin } from 'kafkajs';
import { kafkajsSecurity, kafkaSecurityFromEnv } from '../../settings/kafkaSecurity.ts';
import type { DeadLetter } from '../compiler/deadLetters.ts';
import { readRanges } from './kafkaRanges.ts';

/** What status shows of a source's dead letters. */
export interface DeadLetterSummary {
  /** Dead letters retained on the topic (log end minus log start, over its partitions). */
  count: number;
  newest: { reason: string; seenAt: string; partition: number; offset: number } | null;
}

/** How long status waits for the newest dead letter before showing the count alone. */
const READ_TIMEOUT_MS = 10_000;

/** Counts a dead-letter topic's records and reads the newest one's reason (none: null). */
export async function deadLetterSummary(
  admin: Admin,
  brokers: string[],
  topic: string,
): Promise<DeadLetterSummary> {
  const offsets = await admin.fetchTopicOffsets(topic).catch(() => null);
  if (!offsets) return { count: 0, newest: null };
  const count = offsets.reduce((n, p) => n + Math.max(0, Number(p.high) - Number(p.low)), 0);
  const partitions = offsets.filter((p) => Number(p.high) > Number(p.low));
  if (partitions.length === 0) return { count, newest: null };
  const letters = await readLastOfEach(
    brokers,
    topic,
    partitions.map((p) => ({ partition: p.partition, offset: String(Number(p.high) - 1) })),
  );
  const newest = letters.sort((a, b) => b.letter.seen_at.localeCompare(a.letter.seen_at))[0];
  return {
    count,
    newest: newest
      ? {
          reason: newest.letter.reason,
          seenAt: newest.letter.seen_at,
          partition: newest.partition,
          offset: newest.offset,
        }
      : null,
  };
}

/**
 * Reads the record at a given offset of each partition, through the control plane's range reader
 * (kafkaRanges.ts). Status shows the count alone when the read fails or takes too long.
 */
async function readLastOfEach(
  brokers: string[],
  topic: string,
  positions: { partition: number; offset: string }[],
): Promise<{ partition: number; offset: number; letter: DeadLetter }[]> {
  const kafka = new Kafka({
    clientId: 'lambdalake-status',
    brokers,
    logLevel: logLevel.NOTHING,
    ...kafkajsSecurity(kafkaSecurityFromEnv()),
  });
  const found: { partition: number; offset: number; letter: DeadLetter }[] = [];
  await readRanges(
    kafka,
    topic,
    positions.map((p) => ({
      partition: p.partition,
      from: p.offset,
      to: String(BigInt(p.offset) + 1n),
    })),
    (partition, message) => {
      if (!message.value) return;
      found.push({
        partition,
        offset: Number(message.offset),
        letter: JSON.parse(message.value.toString()) as DeadLetter,
      });
    },
    READ_TIMEOUT_MS,
  ).catch(() => undefined);
  return found;
}
