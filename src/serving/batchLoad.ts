import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type IcebergCatalogClient, localDataFiles, readSnapshotFiles } from '../iceberg/index.ts';
import { cutoverLiteral, quoteIdent, type UnionSpec } from './datasets.ts';
import { ServingError } from './errors.ts';
import { INTERNAL_SCHEMA } from './internalSchema.ts';
import { postgresType } from './pgTypes.ts';
import type { ServingStore } from './store.ts';

function duckLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * Loads a publication's batch side into its own PostgreSQL table: the pinned snapshot's rows with a
 * grain below the cutover. DuckDB reads the snapshot's Parquet files (found through the Iceberg
 * manifests, pruned to the cutover; copied to a temporary folder first when the warehouse is on S3,
 * since DuckDB's httpfs extension is not installed) and writes CSV, which PostgreSQL takes through COPY: no value
 * passes through JavaScript numbers, so decimals and timestamps arrive exactly as Flink wrote them.
 * The table is created and filled in one transaction under a lock on its name, so replicas loading
 * the same publication at once load it once. Returns the table's row count.
 */
export async function loadBatchTable(
  store: ServingStore,
  catalog: IcebergCatalogClient,
  duck: DuckDBConnection,
  union: UnionSpec,
  name: string,
): Promise<number> {
  const table = `${quoteIdent(INTERNAL_SCHEMA)}.${quoteIdent(name)}`;
  return store.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`batch:${name}`]);
    const known = await client.query<{ row_count: string }>(
      `SELECT row_count FROM ${quoteIdent(INTERNAL_SCHEMA)}.batch_tables WHERE name = $1`,
      [name],
    );
    if (known.rows[0]) return Number(known.rows[0].row_count);
    const typed = union.columns.map((c) => `${quoteIdent(c.name)} ${postgresType(c.type)}`);
    await client.query(`CREATE TABLE ${table} (${typed.join(', ')})`);
    const rows = union.batch.snapshotId
      ? await copySnapshot(client, catalog, duck, union, table)
      : 0;
    await client.query(
      `INSERT INTO ${quoteIdent(INTERNAL_SCHEMA)}.batch_tables (name, source_table, snapshot_id, row_count) VALUES ($1, $2, $3, $4)`,
      [name, union.batch.table, union.batch.snapshotId, rows],
    );
    return rows;
  });
}

async function copySnapshot(
  client: pg.PoolClient,
  catalog: IcebergCatalogClient,
  duck: DuckDBConnection,
  union: UnionSpec,
  table: string,
): Promise<number> {
  const [namespace, ...rest] = union.batch.table.split('.');
  const { metadata } = await catalog.loadTable({ namespace: [namespace!], name: rest.join('.') });
  const cutoverMs = Date.parse(union.batch.cutover);
  const io = await catalog.fileIO();
  const files = await readSnapshotFiles(metadata, io, {
    snapshotId: union.batch.snapshotId!,
    where: { column: union.grainColumn, beforeMs: cutoverMs },
  });
  if (files.deleteFiles.length > 0)
    throw new ServingError(
      'batch-side-invalid',
      `snapshot ${union.batch.snapshotId} of ${union.batch.table} has delete files; batch views are written by INSERT OVERWRITE and never have them`,
    );
  if (files.dataFiles.length === 0) return 0;
  const folder = await mkdtemp(join(tmpdir(), 'lambdalake-batch-'));
  const csv = join(folder, 'rows.csv');
  try {
    const paths = await localDataFiles(
      io,
      files.dataFiles.map((f) => f.path),
      folder,
    );
    const list = paths.map(duckLiteral).join(', ');
    const cols = union.columns.map((c) => quoteIdent(c.name)).join(', ');
    await duck.run(
      `COPY (SELECT ${cols} FROM read_parquet([${list}]) WHERE ${quoteIdent(union.grainColumn)} < ${cutoverLiteral(union)}) TO ${duckLiteral(csv)} (FORMAT csv, HEADER false)`,
    );
    const copy = client.query(copyFrom(`COPY ${table} (${cols}) FROM STDIN (FORMAT csv)`));
    await pipeline(createReadStream(csv), copy);
    return Number(copy.rowCount);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
