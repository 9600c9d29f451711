import type pg from 'pg';
import { quoteIdent, type UnionSpec } from './datasets.ts';
import { INTERNAL_SCHEMA } from './internalSchema.ts';
import { postgresType } from './pgTypes.ts';

const internal = quoteIdent(INTERNAL_SCHEMA);
const EXAMPLES = 5;

/** How far the speed rows a publish replaces were from the batch rows replacing them, per measure. */
export interface MeasureDrift {
  measure: string;
  /** Windows (grain and keys) present on both sides whose values differ. */
  windowsDiffering: number;
  /** Largest absolute difference, exact (numeric measures; null otherwise or when none). */
  maxAbsDiff: string | null;
  /** Largest difference relative to the batch value (null when no batch value is non-zero). */
  maxRelDiff: number | null;
  /** A few windows that differ or exist on one side only, with both values. */
  examples: Record<string, unknown>[];
}

export interface DriftReport {
  previousCutover: string;
  cutover: string;
  windowsCompared: number;
  windowsOnlySpeed: number;
  windowsOnlyBatch: number;
  measures: MeasureDrift[];
}

const NUMERIC = /^(numeric|integer|bigint|smallint|real|double precision)/;

/** A timestamp parameter compared with the grain column's own type. */
export function grainBound(union: UnionSpec, parameter: string): string {
  const grainType = postgresType(
    union.columns.find((c) => c.name === union.grainColumn)?.type ?? 'TIMESTAMP',
  );
  return grainType.startsWith('timestamptz')
    ? `${parameter}::timestamptz`
    : `(${parameter}::timestamptz AT TIME ZONE 'UTC')`;
}

/**
 * Compares, for the windows moving from the speed side to the batch side (grain in [previous
 * cutover, new cutover)), the speed rows being replaced with the new batch rows: one FULL OUTER
 * JOIN on grain and keys (NULL keys match NULL keys), inside the switch transaction so both sides
 * are exactly what was served and what will be.
 */
export async function measureDrift(
  client: pg.PoolClient,
  union: UnionSpec,
  tables: { speed: string; batch: string },
  previousCutover: Date,
): Promise<DriftReport> {
  const g = quoteIdent(union.grainColumn);
  const keys = union.keyColumns.map(quoteIdent);
  const measures = union.columns.filter(
    (c) => c.name !== union.grainColumn && !union.keyColumns.includes(c.name),
  );
  const on = [`s.${g} = b.${g}`, ...keys.map((k) => `s.${k} IS NOT DISTINCT FROM b.${k}`)];
  const joined = [
    `s.${g} AS s_grain`,
    `b.${g} AS b_grain`,
    `COALESCE(s.${g}, b.${g}) AS ${g}`,
    ...keys.map((k) => `COALESCE(s.${k}, b.${k}) AS ${k}`),
    ...measures.flatMap((m, i) => [
      `s.${quoteIdent(m.name)} AS s_${i}`,
      `b.${quoteIdent(m.name)} AS b_${i}`,
    ]),
  ];
  const both = 's_grain IS NOT NULL AND b_grain IS NOT NULL';
  const perMeasure = measures.flatMap((m, i) => {
    const numeric = NUMERIC.test(postgresType(m.type));
    return [
      `count(*) FILTER (WHERE ${both} AND s_${i} IS DISTINCT FROM b_${i}) AS differing_${i}`,
      numeric ? `max(abs(s_${i} - b_${i}))::text AS max_abs_${i}` : `NULL::text AS max_abs_${i}`,
      numeric
        ? `max(abs(s_${i} - b_${i})::float8 / NULLIF(abs(b_${i})::float8, 0)) AS max_rel_${i}`
        : `NULL::float8 AS max_rel_${i}`,
      `(SELECT json_agg(x) FROM (SELECT ${g}, ${[...keys, `s_${i} AS speed`, `b_${i} AS batch`].join(', ')} FROM j WHERE s_grain IS NULL OR b_grain IS NULL OR s_${i} IS DISTINCT FROM b_${i} ORDER BY ${g} LIMIT ${EXAMPLES}) x) AS examples_${i}`,
    ];
  });
  const window = `${g} >= ${grainBound(union, '$1')} AND ${g} < ${grainBound(union, '$2')}`;
  const sql = `WITH s AS (SELECT * FROM ${internal}.${quoteIdent(tables.speed)} WHERE ${window}),
    b AS (SELECT * FROM ${internal}.${quoteIdent(tables.batch)} WHERE ${window}),
    j AS (SELECT ${joined.join(', ')} FROM s FULL OUTER JOIN b ON ${on.join(' AND ')})
    SELECT count(*) FILTER (WHERE ${both}) AS compared,
      count(*) FILTER (WHERE b_grain IS NULL) AS only_speed,
      count(*) FILTER (WHERE s_grain IS NULL) AS only_batch
      ${perMeasure.map((p) => `, ${p}`).join('\n      ')}
    FROM j`;
  const cutover = new Date(union.batch.cutover).toISOString();
  const { rows } = await client.query<Record<string, unknown>>(sql, [
    previousCutover.toISOString(),
    cutover,
  ]);
  const row = rows[0]!;
  return {
    previousCutover: previousCutover.toISOString(),
    cutover,
    windowsCompared: Number(row.compared),
    windowsOnlySpeed: Number(row.only_speed),
    windowsOnlyBatch: Number(row.only_batch),
    measures: measures.map((m, i) => ({
      measure: m.name,
      windowsDiffering: Number(row[`differing_${i}`]),
      maxAbsDiff: (row[`max_abs_${i}`] as string | null) ?? null,
      maxRelDiff: row[`max_rel_${i}`] === null ? null : Number(row[`max_rel_${i}`]),
      examples: (row[`examples_${i}`] as Record<string, unknown>[] | null) ?? [],
    })),
  };
}

/** Keeps a drift report: one row per measure, what each schema's lambdalake_drift view shows. */
export async function recordDrift(
  client: pg.PoolClient,
  path: string[],
  version: string,
  report: DriftReport,
): Promise<void> {
  for (const m of report.measures)
    await client.query(
      `INSERT INTO ${internal}.drift (schema_name, metric, version, previous_cutover, cutover, measure,
         windows_compared, windows_only_speed, windows_only_batch, windows_differing, max_abs_diff, max_rel_diff, examples)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        path.slice(0, -1).join('_'),
        path.at(-1),
        version,
        report.previousCutover,
        report.cutover,
        m.measure,
        report.windowsCompared,
        report.windowsOnlySpeed,
        report.windowsOnlyBatch,
        m.windowsDiffering,
        m.maxAbsDiff,
        m.maxRelDiff,
        JSON.stringify(m.examples),
      ],
    );
}

/** The name of the drift view every metric schema carries. */
export const DRIFT_VIEW = 'lambdalake_drift';

/** The schema's drift view: its own metrics' rows of the drift table, readable by SQL users. */
export function driftViewSql(schema: string): string {
  return `SELECT metric, version, published_at, previous_cutover, cutover, measure, windows_compared,
    windows_only_speed, windows_only_batch, windows_differing, max_abs_diff, max_rel_diff, examples
    FROM ${internal}.drift WHERE schema_name = '${schema.replace(/'/g, "''")}'`;
}
