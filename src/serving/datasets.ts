import { createHash } from 'node:crypto';
import { z } from 'zod';
import { INTERNAL_SCHEMA } from './internalSchema.ts';

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

/** A PostgreSQL identifier, quoted. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The PostgreSQL view of a dataset path: schema = every part but the last, joined by `_`. */
export function viewName(path: string[]): { schema: string; name: string; qualified: string } {
  const schema = path.slice(0, -1).join('_');
  const name = path.at(-1)!;
  return { schema, name, qualified: `${quoteIdent(schema)}.${quoteIdent(name)}` };
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** The internal table holding a publication's batch rows: one per (table, snapshot, cutover, columns). */
export function batchTableName(union: UnionSpec): string {
  return `batch_${shortHash(JSON.stringify([union.batch, union.columns]))}`;
}

/** The internal table holding a speed topic's latest rows; `generation` > 0 after a rebuild. */
export function speedTableName(topic: string, generation = 0): string {
  return `speed_${shortHash(topic)}${generation > 0 ? `_r${generation}` : ''}`;
}

/** The cutover as a SQL literal of the grain column's type (same text in PostgreSQL and DuckDB). */
export function cutoverLiteral(union: UnionSpec): string {
  const instant = new Date(union.batch.cutover).toISOString();
  const grainType = union.columns.find((c) => c.name === union.grainColumn)?.type ?? '';
  return /LTZ|LOCAL TIME ZONE/i.test(grainType)
    ? `TIMESTAMPTZ '${instant}'`
    : `TIMESTAMP '${instant.replace('T', ' ').replace('Z', '')}'`;
}

/**
 * The union view's SQL, the one place it is written: `plan` prints it, serving runs it, and the
 * Iceberg view stores it. Batch rows below the cutover, speed rows from it on.
 */
export function unionViewSql(
  union: UnionSpec,
  tables: { batch: string; speed: string } = {
    batch: batchTableName(union),
    speed: speedTableName(union.speed.topic),
  },
): string {
  const cols = union.columns.map((c) => quoteIdent(c.name)).join(', ');
  const grain = quoteIdent(union.grainColumn);
  const cutover = cutoverLiteral(union);
  const internal = quoteIdent(INTERNAL_SCHEMA);
  return `SELECT ${cols} FROM ${internal}.${quoteIdent(tables.batch)} WHERE ${grain} < ${cutover}\nUNION ALL\nSELECT ${cols} FROM ${internal}.${quoteIdent(tables.speed)} WHERE ${grain} >= ${cutover}`;
}
