/**
 * The one validity expression of a source (DESIGN §5, "bad records never stop a job").
 *
 * Why this shape: Flink's `json` format either fails the job on a record it cannot read (the
 * restart loop of issue 14) or, with `json.ignore-parse-errors`, drops it silently and turns bad
 * fields into NULL. Neither may happen to a Lambda source. So the Kafka value is read as `raw` bytes
 * with its partition, offset and timestamp (Kafka metadata columns), and parsed in SQL: JSON_VALUE
 * per declared column, TRY_CAST to the declared type, and a CASE that names the first problem. A
 * row whose problem is NULL is valid. Every function used never throws (JSON_VALUE and JSON_EXISTS
 * default to NULL/FALSE ON ERROR, TRY_CAST answers NULL), so no record can fail a job.
 *
 * Ingestion and every speed job of the source paste the SAME raw table columns and the SAME checked
 * view text, so the master table and the speed layer always agree on which records are good. Only
 * ingestion writes dead letters (one statement set: valid rows to the master table, the rest to
 * the dead-letter topic), so each bad record is reported once, not once per metric.
 *
 * Flink 2.1.3 behaviour this relies on (checked through the SQL Gateway):
 * - `JSON_VALUE` returns the text of a scalar (numbers too: 12.5 → '12.5') and NULL for JSON null,
 *   a missing field, an object or an array; `JSON_EXISTS` is FALSE for a JSON null and TRUE for an
 *   object, so "NULL value but the path exists" means an object or array;
 * - `IS JSON OBJECT` is FALSE for non-JSON text and for arrays.
 */
import type { SourceDefinition } from '../definitions/schema.ts';
import { ident, lit } from './bindings.ts';
import { EVENT_TIME_FORMAT_HINTS, eventTimeExpression } from './eventTime.ts';

/** Column names the binding adds; a source column may not use the `lambdalake_` prefix. */
export const RAW = {
  value: 'lambdalake_value',
  text: 'lambdalake_text',
  partition: 'lambdalake_partition',
  offset: 'lambdalake_offset',
  kafkaTimestamp: 'lambdalake_kafka_timestamp',
  eventTime: 'lambdalake_event_time',
  proctime: 'lambdalake_proctime',
  problem: 'lambdalake_problem',
} as const;

/** Longest piece of a bad value quoted in a reason (the whole record is in the dead letter). */
const QUOTE_CHARS = 80;

const textOf = (column: string) => `${column}__text`;

/** The JSON text of the Kafka value: BYTES decoded as UTF-8 (invalid bytes become U+FFFD). */
const valueText = `DECODE(${ident(RAW.value)}, 'UTF-8')`;

/**
 * Computes `expression` once per record. Flink 2.1's planner inlines every view into one Calc, so
 * a JSON_VALUE referenced by the typed column, the CASE and both sinks' filters ran once per
 * reference: the JSON text was parsed ~20 times per record and ingestion ran at a quarter of the
 * plain json format's throughput (bench/ingestion.ts). FlinkCalcMergeRule (FlinkRelUtil.isMergeable)
 * does not merge a projection whose non-deterministic expression the projection above references
 * more than once; `CASE WHEN RAND() >= 0` (always true) makes the value non-deterministic in the
 * planner's eyes, so the parse stays in its own Calc and every later use reads a field.
 */
function once(expression: string): string {
  return `CASE WHEN RAND() >= 0 THEN ${expression} END`;
}

function jsonValue(text: string, column: string): string {
  return `JSON_VALUE(${text}, '$.${column}')`;
}

/** The SQL that reads column `name` of declared `type` from its JSON text `t`, NULL when it does not fit. */
function typedValue(t: string, type: string, source: SourceDefinition): string {
  if (type === 'STRING') return t;
  if (type === 'TIMESTAMP(3)') return eventTimeExpression(t, source.event_time_format);
  return `TRY_CAST(${t} AS ${type})`;
}

/**
 * The raw table's columns: the value bytes, Kafka metadata, the parsed event time (a computed
 * column, so the streaming binding can declare its watermark on it) and processing time (the speed
 * layer's keep-first dedupe orders by it).
 */
export function rawColumns(source: SourceDefinition): string[] {
  const eventTime = eventTimeExpression(
    jsonValue(valueText, source.event_time),
    source.event_time_format,
  );
  return [
    `${ident(RAW.value)} BYTES`,
    `${ident(RAW.partition)} INT METADATA FROM 'partition' VIRTUAL`,
    `${ident(RAW.offset)} BIGINT METADATA FROM 'offset' VIRTUAL`,
    `${ident(RAW.kafkaTimestamp)} TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL`,
    `${ident(RAW.eventTime)} AS ${eventTime}`,
    `${ident(RAW.proctime)} AS PROCTIME()`,
  ];
}

/**
 * Why a record without an event time is bad. Only evaluated for such records (a CASE branch): a
 * value that is not a JSON object never has one, so the valid path pays for neither IS JSON nor a
 * second parse of the event-time field.
 */
function eventTimeProblem(source: SourceDefinition): string {
  const t = ident(RAW.text);
  const text = jsonValue(t, source.event_time);
  return [
    'CASE',
    `      WHEN ${t} IS NULL THEN ${lit('value: empty')}`,
    `      WHEN NOT (${t} IS JSON OBJECT) THEN ${lit('value: not a JSON object')}`,
    `      WHEN ${text} IS NULL THEN ${lit(`${source.event_time}: missing or null`)}`,
    `      ELSE CONCAT(${lit(`${source.event_time}: '`)}, SUBSTRING(${text} FROM 1 FOR ${QUOTE_CHARS}), ${lit(`' is not ${EVENT_TIME_FORMAT_HINTS[source.event_time_format]}`)})`,
    '    END',
  ].join('\n');
}

/** The CASE naming the first problem of a record, NULL for a valid one. */
export function problemExpression(source: SourceDefinition): string {
  const t = ident(RAW.text);
  const quote = (c: string) => `SUBSTRING(${ident(textOf(c))} FROM 1 FOR ${QUOTE_CHARS})`;
  const when: [string, string][] = [[`${ident(RAW.eventTime)} IS NULL`, eventTimeProblem(source)]];
  if (source.dedupe_key)
    when.push([
      `${ident(textOf(source.dedupe_key))} IS NULL`,
      lit(`${source.dedupe_key}: missing or null (the dedupe key identifies the event)`),
    ]);
  for (const c of source.columns) {
    if (c.name === source.event_time || c.name === source.dedupe_key) continue;
    const text = ident(textOf(c.name));
    when.push([
      `${text} IS NULL AND JSON_EXISTS(${t}, '$.${c.name}')`,
      lit(`${c.name}: an object or array, not ${c.type}`),
    ]);
    if (c.type !== 'STRING')
      when.push([
        `${text} IS NOT NULL AND ${ident(c.name)} IS NULL`,
        `CONCAT(${lit(`${c.name}: '`)}, ${quote(c.name)}, ${lit(`' is not ${c.type}`)})`,
      ]);
    if (c.required) when.push([`${text} IS NULL`, lit(`${c.name}: missing or null`)]);
  }
  return `CASE\n${when.map(([w, r]) => `    WHEN ${w} THEN ${r}`).join('\n')}\n  END`;
}

/** Name of the view that carries every record of the source with its typed columns and problem. */
export function checkedViewName(source: SourceDefinition): string {
  return `${source.name}__checked`;
}

/**
 * The checked view over the raw table `rawName`: metadata, typed columns (NULL where a value does
 * not fit) and `lambdalake_problem`. Identical text in the ingestion and every speed script.
 */
export function checkedViewSql(source: SourceDefinition, rawName: string): string {
  const metadata = [RAW.value, RAW.partition, RAW.offset, RAW.kafkaTimestamp, RAW.proctime].map(
    ident,
  );
  // The event time is parsed once, by the raw table's computed column.
  const fields = source.columns.filter((c) => c.name !== source.event_time);
  const texts = fields.map(
    (c) => `${once(jsonValue(ident(RAW.text), c.name))} AS ${ident(textOf(c.name))}`,
  );
  const typed = source.columns.map((c) =>
    c.name === source.event_time
      ? `${ident(RAW.eventTime)} AS ${ident(c.name)}`
      : `${typedValue(ident(textOf(c.name)), c.type, source)} AS ${ident(c.name)}`,
  );
  const parsed = `SELECT ${[...metadata, ident(RAW.eventTime), ident(RAW.text), ...texts.map((t) => `\n    ${t}`)].join(', ')}\n  FROM (SELECT *, ${once(valueText)} AS ${ident(RAW.text)} FROM ${ident(rawName)})`;
  return [
    `CREATE TEMPORARY VIEW ${ident(checkedViewName(source))} AS`,
    `SELECT ${[...metadata, ident(RAW.text), ...fields.map((c) => ident(textOf(c.name)))].join(', ')},`,
    `  ${problemExpression(source)} AS ${ident(RAW.problem)},`,
    `  ${source.columns.map((c) => ident(c.name)).join(', ')}`,
    `FROM (`,
    `  SELECT *, ${typed.join(',\n    ')}`,
    `  FROM (${parsed})`,
    `);`,
  ].join('\n');
}
