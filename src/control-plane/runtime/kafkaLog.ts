import { Kafka, logLevel, type Admin } from 'kafkajs';
import { committedOffsets, logEndOffsets } from '../orchestrator/ingestionProgress.ts';
import type { LogOffsets } from '../orchestrator/ports.ts';

/** A connected kafkajs admin for the control plane's offset reads and topic creation. */
export async function connectKafkaAdmin(brokers: string[]): Promise<Admin> {
  const admin = new Kafka({
    clientId: 'lambdalake-control-plane',
    brokers,
    logLevel: logLevel.NOTHING,
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
