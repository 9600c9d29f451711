import { z } from 'zod';

/**
 * A virtual dataset as the catalog API takes it (Dremio's shape: entityType, type, path, sql), plus
 * `union` for lambdalake's union views: the pinned batch snapshot and cutover, and the speed topic.
 */
const identifier = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    'a SQL identifier: letters, digits and _, not starting with a digit',
  );

export const columnSchema = z.object({
  name: identifier,
  type: z
    .string()
    .min(1)
    .describe('Flink SQL type, e.g. TIMESTAMP(3), BIGINT, DECIMAL(22,2), STRING'),
});

export const unionSchema = z.object({
  version: z.string().min(1),
  grainColumn: identifier,
  grainSize: z.string().min(1),
  keyColumns: z.array(identifier),
  columns: z.array(columnSchema).min(1),
  batch: z.object({
    /** `namespace.table` of the batch view table in the Iceberg catalog. */
    table: z.string().regex(/^[^.]+(\.[^.]+)+$/, 'namespace.table'),
    /** Exact Iceberg snapshot id as decimal text; null or '' for an empty batch side. */
    snapshotId: z
      .string()
      .regex(/^-?\d*$/, 'decimal snapshot id')
      .nullable(),
    cutover: z.iso.datetime({ offset: true }),
  }),
  speed: z.object({ topic: z.string().min(1) }),
});

export const datasetInputSchema = z
  .object({
    entityType: z.literal('dataset').default('dataset'),
    type: z.literal('VIRTUAL_DATASET').default('VIRTUAL_DATASET'),
    path: z.array(identifier).min(2, 'a path of [schema, name] at least'),
    sql: z.string().min(1).optional(),
    union: unionSchema.optional(),
    /** On replace: the tag the caller last read (optimistic concurrency, as Dremio does). */
    tag: z.string().optional(),
  })
  .refine((d) => Boolean(d.sql) !== Boolean(d.union), {
    message:
      'a virtual dataset has exactly one of sql (a SELECT over other datasets) or union (a lambdalake union view)',
  });

export type DatasetInput = z.infer<typeof datasetInputSchema>;
export type UnionSpec = z.infer<typeof unionSchema>;

export interface Dataset {
  id: string;
  path: string[];
  /** Changes on every replace. */
  tag: string;
  sql?: string;
  union?: UnionSpec;
  createdAt: string;
}

/** The SQL text a union view stands for (shown in the catalog and stored with the Iceberg view). */
export function unionSqlText(union: UnionSpec): string {
  const cols = union.columns.map((c) => c.name).join(', ');
  return `SELECT ${cols} FROM batch_snapshot(${union.batch.table}, ${union.batch.snapshotId || 'empty'}) WHERE ${union.grainColumn} < TIMESTAMP '${union.batch.cutover}'\nUNION ALL\nSELECT ${cols} FROM speed_topic('${union.speed.topic}') WHERE ${union.grainColumn} >= TIMESTAMP '${union.batch.cutover}'`;
}

/** DuckDB's type for a Flink SQL type name. */
export function duckType(flinkType: string): string {
  const t = flinkType.trim().toUpperCase();
  const decimal = /^DECIMAL\s*\((\d+)\s*,\s*(\d+)\)$/.exec(t);
  if (decimal) return `DECIMAL(${Math.min(38, Number(decimal[1]))},${decimal[2]})`;
  if (/^TIMESTAMP(\(\d\))?$/.test(t)) return 'TIMESTAMP';
  if (/^TIMESTAMP(\(\d\))? WITH LOCAL TIME ZONE$|^TIMESTAMP_LTZ/.test(t)) return 'TIMESTAMPTZ';
  if (t === 'STRING' || t.startsWith('VARCHAR') || t.startsWith('CHAR')) return 'VARCHAR';
  if (t === 'INT' || t === 'INTEGER') return 'INTEGER';
  if (['BIGINT', 'SMALLINT', 'TINYINT', 'DOUBLE', 'FLOAT', 'BOOLEAN', 'DATE'].includes(t))
    return t === 'FLOAT' ? 'REAL' : t;
  throw new Error(
    `column type ${flinkType} is not served: use a numeric, decimal, string, boolean, date or timestamp type`,
  );
}
