/**
 * Where each master row came from: its Kafka topic, partition and offset, written by ingestion
 * beside the source's columns. They make completeness provable on the master snapshot itself
 * (protocol/completeness.ts) and let the batch count a record ingested twice once.
 */
import type { SourceDefinition } from '../definitions/schema.ts';
import { ident, lit } from './bindings.ts';
import { RAW } from './validity.ts';

export const LEDGER = {
  topic: 'lambdalake_topic',
  partition: RAW.partition,
  offset: RAW.offset,
} as const;

/** The master table's extra columns, after the source's own. */
export const LEDGER_COLUMNS: readonly { name: string; type: string }[] = [
  { name: LEDGER.topic, type: 'STRING' },
  { name: LEDGER.partition, type: 'INT' },
  { name: LEDGER.offset, type: 'BIGINT' },
];

/** The ingestion SELECT's ledger expressions (the checked view carries partition and offset). */
export function ledgerSelect(source: SourceDefinition): string {
  return `${lit(source.topic)} AS ${ident(LEDGER.topic)}, ${ident(LEDGER.partition)}, ${ident(LEDGER.offset)}`;
}
