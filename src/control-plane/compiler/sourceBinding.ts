/**
 * How a source's Kafka topic is bound in a Flink session: the raw table both ingestion and speed
 * read (validity.ts checks its records), and the name the speed layer binds the source to.
 */
import { flinkInterval, parseDuration } from '../definitions/durations.ts';
import type { SourceDefinition } from '../definitions/schema.ts';
import { ident, lit, type RuntimeBindings } from './bindings.ts';
import { checkedViewName, rawColumns, RAW } from './validity.ts';

/**
 * The source's Kafka topic as a `raw` table (see validity.ts for why not `json`); in streaming the
 * watermark sits on the parsed event time, which is NULL for a bad record (the watermark generator
 * skips NULLs; the checked view filters those rows before any operator needs a time).
 */
export function rawKafkaTableDdl(
  name: string,
  source: SourceDefinition,
  b: RuntimeBindings,
  options: Record<string, string>,
  watermark: boolean,
): string {
  const wm = watermark
    ? `,\n  WATERMARK FOR ${ident(RAW.eventTime)} AS ${ident(RAW.eventTime)} - ${flinkInterval(parseDuration(source.watermark_delay)!)}`
    : '';
  const props = {
    connector: 'kafka',
    topic: source.topic,
    'properties.bootstrap.servers': b.kafkaBootstrap,
    ...b.kafkaProperties,
    // Kafka's default is read_uncommitted: records of aborted transactions would be ingested and
    // counted (measured: 80 aborted records in the master table). Both layers read committed only.
    'properties.isolation.level': 'read_committed',
    format: 'raw',
    ...options,
  };
  return `CREATE TEMPORARY TABLE ${ident(name)} (\n${rawColumns(source)
    .map((c) => `  ${c}`)
    .join(',\n')}${wm}\n) WITH (\n${Object.entries(props)
    .map(([k, v]) => `  ${lit(k)} = ${lit(v)}`)
    .join(',\n')}\n);`;
}

/**
 * The source name as the speed layer binds it: valid records only, the first copy of each dedupe
 * key (keep-first on processing time: Flink's append-only Deduplicate, whose state lives as long as
 * the job's `table.exec.state.ttl`, the metric's `speed.state_ttl`).
 */
export function speedSourceView(source: SourceDefinition): string {
  const cols = source.columns.map((c) => ident(c.name)).join(', ');
  const valid = `FROM ${ident(checkedViewName(source))}\nWHERE ${ident(RAW.problem)} IS NULL`;
  const view = source.dedupe_key
    ? `SELECT ${cols} FROM (\n  SELECT ${cols}, ROW_NUMBER() OVER (PARTITION BY ${ident(source.dedupe_key)} ORDER BY ${ident(RAW.proctime)}) AS lambdalake_occurrence\n  ${valid.replace('\n', '\n  ')}\n) WHERE lambdalake_occurrence = 1`
    : `SELECT ${cols} ${valid}`;
  return `CREATE TEMPORARY VIEW ${ident(source.name)} AS\n${view};`;
}
