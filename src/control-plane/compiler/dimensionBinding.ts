/**
 * How a dimension's name is bound in each mode (issue 17 item 3). Both bindings answer the same
 * relation: the newest row per key (by the dimension's event time) of the valid records.
 *
 * - batch: its master table (append-only, like every master) at the snapshot the batch cycle
 *   pinned together with the fact master, latest row per key. Not restricted to the cutover: the
 *   dimension as of that snapshot applies to all history the batch recomputes.
 * - streaming: its compacted topic from the earliest offset, through the same validity view as
 *   ingestion, then the latest row per key as a changelog (a Top-1 over the event time, which
 *   Flink runs as a retracting rank): a newer row retracts the old one, so the metric's regular
 *   join retracts and re-emits every joined event in its state and the speed windows re-aggregate.
 */
import type { SourceDefinition } from '../definitions/schema.ts';
import { ident, lit, type RuntimeBindings } from './bindings.ts';
import { names } from './names.ts';
import { rawKafkaTableDdl } from './sourceBinding.ts';
import { checkedViewName, checkedViewSql, RAW } from './validity.ts';

const LATEST = 'lambdalake_latest';

/** The newest row per key of `from` (optionally filtered): the relation a dimension's name binds to. */
export function latestPerKey(dimension: SourceDefinition, from: string, where: string): string {
  const cols = dimension.columns.map((c) => ident(c.name)).join(', ');
  const key = (dimension.key ?? []).map(ident).join(', ');
  return `SELECT ${cols} FROM (\n  SELECT ${cols}, ROW_NUMBER() OVER (PARTITION BY ${key} ORDER BY ${ident(dimension.event_time)} DESC) AS ${LATEST}\n  FROM ${from}${where}\n) WHERE ${LATEST} = 1`;
}

/** The batch binding: the newest row per key of the dimension's master at `snapshotId` (null: current). */
export function batchDimensionView(
  dimension: SourceDefinition,
  b: RuntimeBindings,
  snapshotId: string | null,
): string {
  const master = `${ident(b.catalogName)}.${ident(b.namespace)}.${ident(names.masterTable(dimension.name))}`;
  const hint = snapshotId ? ` /*+ OPTIONS('snapshot-id' = ${lit(snapshotId)}) */` : '';
  return [
    `-- Dimension ${dimension.name}: the newest row per ${(dimension.key ?? []).join(', ')} at ${snapshotId ? `snapshot ${snapshotId}, pinned with the fact master` : 'the current snapshot'}.`,
    `CREATE TEMPORARY VIEW ${ident(dimension.name)} AS\n${latestPerKey(dimension, `${master}${hint}`, '')};`,
  ].join('\n');
}

/** The streaming binding: raw topic from the earliest offset, validity view, latest row per key. */
export function streamingDimensionBinding(
  dimension: SourceDefinition,
  b: RuntimeBindings,
  groupId: string,
): string[] {
  const rawName = `${dimension.name}__raw`;
  return [
    // No watermark: the join is a regular (changelog) join, and the newest row is chosen by the
    // event time's value, not by event-time progress.
    rawKafkaTableDdl(
      rawName,
      dimension,
      b,
      { 'properties.group.id': groupId, 'scan.startup.mode': 'earliest-offset' },
      false,
    ),
    checkedViewSql(dimension, rawName),
    `CREATE TEMPORARY VIEW ${ident(dimension.name)} AS\n${latestPerKey(dimension, ident(checkedViewName(dimension)), `\n  WHERE ${ident(RAW.problem)} IS NULL`)};`,
  ];
}
