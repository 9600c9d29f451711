import { Kafka, logLevel, type Admin } from 'kafkajs';
import {
  kafkajsSecurity,
  kafkaSecurityFromEnv,
  type KafkaSecurity,
} from '../../settings/kafkaSecurity.ts';
import { committedOffsets, logEndOffsets } from '../orchestrator/ingestionProgress.ts';
import type { LogOffsets } from '../orchestrator/ports.ts';

/**
 * A connected kafkajs admin for the control plane's offset reads and topic creation. The security
 * binding defaults to the environment's (plaintext locally; MSK IAM in the cloud stack, which sets
 * LAMBDALAKE_KAFKA_SECURITY on every lambdalake pod).
 */
export async function connectKafkaAdmin(
  brokers: string[],
  security: KafkaSecurity = kafkaSecurityFromEnv(),
): Promise<Admin> {
  const admin = new Kafka({
    clientId: 'lambdalake-control-plane',
    brokers,
    logLevel: logLevel.NOTHING,
    ...kafkajsSecurity(security),
  }).admin();
  await admin.connect();
  return admin;
}

export function kafkaLog(admin: Admin): LogOffsets {
  return {
    logEnd: (topic) => logEndOffsets(admin, topic),
    committed: (group, topic) => committedOffsets(admin, group, topic),
  };
}
