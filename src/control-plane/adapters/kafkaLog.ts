import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { DeadLetter } from '../compiler/deadLetters.ts';
import { readRanges } from './kafkaRanges.ts';
import {
  kafkajsSecurity,
  kafkaSecurityFromEnv,
  type KafkaSecurity,
} from '../../settings/kafkaSecurity.ts';
import type { PartitionOffsets } from '../protocol/ingestionProgress.ts';
import type { LogOffsets } from '../protocol/ports.ts';

/**
 * A connected kafkajs admin for the control plane's offset reads and topic creation. The security
 * binding defaults to the environment's (plaintext locally; MSK IAM in the cloud stack, which sets
 * LAMBDALAKE_KAFKA_SECURITY on every lambdalake pod).
 */
export function controlPlaneKafka(
  brokers: string[],
  security: KafkaSecurity = kafkaSecurityFromEnv(),
): Kafka {
  return new Kafka({
    clientId: 'lambdalake-control-plane',
    brokers,
    logLevel: logLevel.NOTHING,
    ...kafkajsSecurity(security),
  });
}

export async function connectKafkaAdmin(
  brokers: string[],
  security: KafkaSecurity = kafkaSecurityFromEnv(),
): Promise<Admin> {
  const admin = controlPlaneKafka(brokers, security).admin();
  await admin.connect();
  return admin;
}

export function kafkaLog(admin: Admin, kafka: Kafka): LogOffsets {
  return {
    logEnd: (topic) => retryingKafka(() => logEndOffsets(admin, topic)),
    committed: (group, topic) => retryingKafka(() => committedOffsets(admin, group, topic)),
    recordOffsets: async (topic, ranges) => {
      const found: Record<number, string[]> = {};
      await readRanges(kafka, topic, ranges, (partition, message) =>
        (found[partition] ??= []).push(message.offset),
      );
      return found;
    },
    recentDeadLetters: async (deadLetterTopic, sourceTopic, perPartition) => {
      const ends = await admin.fetchTopicOffsets(deadLetterTopic).catch(() => []);
      const ranges = ends.map((p) => ({
        partition: p.partition,
        from: String(maxOf(BigInt(p.low), BigInt(p.high) - BigInt(perPartition))),
        to: p.high,
      }));
      const letters = new Set<string>();
      await readRanges(kafka, deadLetterTopic, ranges, (_, message) => {
        if (!message.value) return;
        const letter = JSON.parse(message.value.toString()) as DeadLetter;
        if (letter.source_topic === sourceTopic)
          letters.add(`${letter.partition}:${letter.offset}`);
      });
      return letters;
    },
  };
}

/**
 * Retries what Kafka itself calls retriable (NOT_COORDINATOR while a group's coordinator moves,
 * LEADER_NOT_AVAILABLE, ...): kafkajs's admin does not retry every one of them, and a deploy's
 * first batch failed on "This is not the correct coordinator for this group".
 */
export async function retryingKafka<T>(
  call: () => Promise<T>,
  attempts = 5,
  delayMs = 300,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || (error as { retriable?: boolean }).retriable !== true) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs * attempt));
    }
  }
}

function maxOf(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Log-end offsets of `topic` right now: the "T0" side of the cutover protocol. */
export async function logEndOffsets(admin: Admin, topic: string): Promise<PartitionOffsets> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return Object.fromEntries(offsets.map((p) => [p.partition, p.high]));
}

/** Offsets the ingestion job committed for its consumer group (Flink commits them on each checkpoint). */
export async function committedOffsets(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<PartitionOffsets> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return Object.fromEntries((entry?.partitions ?? []).map((p) => [p.partition, p.offset]));
}
