/**
 * The dead-letter sink of a source: every record the checked view finds a problem with, with its
 * original bytes, where it was read from, when, and why (DESIGN §5). Written by the ingestion job
 * only, in the same statement set as the master table, so it is flushed on the same checkpoints
 * that commit the source offsets: a record is either in the master table or a dead letter before
 * the batch cycle's completeness proof counts it as ingested.
 */
import type { SourceDefinition } from '../definitions/schema.ts';
import { ident, lit, type RuntimeBindings, kafkaSecurityLines } from './bindings.ts';
import { RAW, checkedViewName } from './validity.ts';

/** The fields of a dead letter (JSON on the topic), as status and tests read them. */
export interface DeadLetter {
  source_topic: string;
  partition: number;
  offset: number;
  /** The Kafka record's timestamp (ISO-8601 UTC). */
  kafka_timestamp: string | null;
  /** When the ingestion job read it (ISO-8601 UTC). */
  seen_at: string;
  /** `<field>: <problem>`, e.g. `amount: 'abc' is not DECIMAL(12,2)`. */
  reason: string;
  /** The original value bytes, base64 (Flink's JSON encoding of BYTES). */
  value: string | null;
  /** The same bytes decoded as UTF-8, for reading. */
  value_text: string | null;
}

/** CREATE TABLE of the dead-letter topic (plain Kafka, JSON, at least once). */
export function deadLetterTableDdl(name: string, topic: string, b: RuntimeBindings): string {
  return `CREATE TEMPORARY TABLE ${ident(name)} (
  \`source_topic\` STRING,
  \`partition\` INT,
  \`offset\` BIGINT,
  \`kafka_timestamp\` TIMESTAMP_LTZ(3),
  \`seen_at\` TIMESTAMP_LTZ(3),
  \`reason\` STRING,
  \`value\` BYTES,
  \`value_text\` STRING
) WITH (
  'connector' = 'kafka',
  'topic' = ${lit(topic)},
  'properties.bootstrap.servers' = ${lit(b.kafkaBootstrap)},
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601',
  'sink.delivery-guarantee' = 'at-least-once'${kafkaSecurityLines(b)}
);`;
}

/** The INSERT that routes every record with a problem to the dead-letter sink. */
export function deadLetterInsert(sinkName: string, source: SourceDefinition): string {
  // CURRENT_TIMESTAMP is evaluated per record in streaming mode: the time the job saw it.
  return `INSERT INTO ${ident(sinkName)}
SELECT ${lit(source.topic)}, ${ident(RAW.partition)}, ${ident(RAW.offset)}, ${ident(RAW.kafkaTimestamp)}, CURRENT_TIMESTAMP, ${ident(RAW.problem)}, ${ident(RAW.value)}, ${ident(RAW.text)}
FROM ${ident(checkedViewName(source))}
WHERE ${ident(RAW.problem)} IS NOT NULL;`;
}
