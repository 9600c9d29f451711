/**
 * The speed view's upsert-kafka sink.
 *
 * Flink makes every PRIMARY KEY column NOT NULL, so a metric keyed by (grain, campaign) could not
 * write a row whose campaign is NULL: the job failed on the first such event (issue 14). The topic
 * is therefore keyed by one surrogate column, `lambdalake_key`: the JSON array of the grain and key
 * values (`["2026-11-26 10:00:00", null]`), never NULL and injective, so a NULL key is a group of
 * its own exactly as in the batch SQL. The value holds the metric's real, nullable columns (the
 * key excluded), which is what serving reads; serving takes the message key bytes as the row
 * identity, so their content does not matter to it.
 *
 * Because the sink's key is an expression of the group key, the planner cannot prove they match
 * and would add a SinkUpsertMaterializer (state per row, forever without TTL). The surrogate is a
 * pure function of the group key, so the changelog per key is already ordered:
 * `table.exec.sink.upsert-materialize` is NONE in the streaming config.
 */
import { ident, lit, type RuntimeBindings, kafkaSecurityLines } from './bindings.ts';

export const SPEED_KEY = 'lambdalake_key';

/** The surrogate key expression over the grain and key columns (NULLs kept as JSON null). */
export function speedKeyExpression(keyColumns: string[]): string {
  return `JSON_ARRAY(${keyColumns.map(ident).join(', ')} NULL ON NULL)`;
}

/** CREATE TABLE of the speed topic: surrogate key, the metric's columns in the value. */
export function speedSinkDdl(
  name: string,
  topic: string,
  columns: { name: string; type: string }[],
  b: RuntimeBindings,
): string {
  return `CREATE TEMPORARY TABLE ${ident(name)} (
  ${ident(SPEED_KEY)} STRING NOT NULL,
${columns.map((c) => `  ${ident(c.name)} ${c.type}`).join(',\n')},
  PRIMARY KEY (${ident(SPEED_KEY)}) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = ${lit(topic)},
  'properties.bootstrap.servers' = ${lit(b.kafkaBootstrap)},
  'key.format' = 'json',
  'value.format' = 'json',
  'value.fields-include' = 'EXCEPT_KEY',
  'value.json.timestamp-format.standard' = 'ISO-8601'${kafkaSecurityLines(b)}
);`;
}
