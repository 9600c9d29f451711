import { createHash } from 'node:crypto';
import {
  DuckDBConnection,
  DuckDBInstance,
  DuckDBPreparedStatement,
  StatementType,
  type DuckDBValue,
} from '@duckdb/node-api';
import {
  IcebergCatalogClient,
  localPath,
  readSnapshotFiles,
  SchemeFileIO,
} from '../iceberg/index.ts';
import { duckType, type Dataset, type UnionSpec } from './datasets.ts';
import type { SpeedState } from './speedState.ts';
import { INTERNAL_SCHEMA } from './internalSchema.ts';
import { PG_CATALOG_COMPAT_SETUP } from './pgCompat.ts';

/** Where lambdalake keeps batch sides and speed tables, off every client's search path. */

export interface QueryColumn {
  name: string;
  /** DuckDB's type name, e.g. BIGINT, DECIMAL(22,2), TIMESTAMP. */
  type: string;
}

export interface QueryResult {
  columns: QueryColumn[];
  rows: DuckDBValue[][];
  /** The command tag a Postgres client expects, e.g. 'SELECT 3'. */
  commandTag: string;
}

/** A query a SQL client may not run: serving is read-only (SQLSTATE 25006). */
export class ReadOnlyError extends Error {
  readonly sqlState = '25006';
  constructor(kind: string) {
    super(
      `lambdalake serving is read-only: ${kind} statements are not allowed; run SELECT, EXPLAIN or SHOW`,
    );
    this.name = 'ReadOnlyError';
  }
}

const READ_STATEMENTS = new Set<number>([
  StatementType.SELECT,
  StatementType.EXPLAIN,
  StatementType.PRAGMA,
  StatementType.SET,
  StatementType.VARIABLE_SET,
]);

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

const STATEMENT_CACHE_SIZE = 32;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/**
 * DuckDB in-process, holding one view per virtual dataset. A union view's batch side is its pinned
 * snapshot's data files (found through the Iceberg metadata, pruned to grain < cutover) loaded by
 * DuckDB; its speed side is the speed table kept by SpeedState. Replacing a view is one
 * `CREATE OR REPLACE VIEW`, atomic for every query: a query sees the old pair or the new one.
 */
export class ServingEngine {
  private admin!: DuckDBConnection;
  /** dataset path → the internal batch table its view reads now (dropped when replaced). */
  private readonly batchTables = new Map<string, string>();
  private readonly statementCache = new WeakMap<
    DuckDBConnection,
    Map<string, { statement: DuckDBPreparedStatement; generation: number }>
  >();
  /**
   * Bumped whenever a view is created, replaced or dropped and whenever speed rows change: kept
   * statements older than it are prepared again.
   */
  private generation = 0;
  /** dataset path → the speed table its view reads now, and that view's cutover. */
  private readonly speedReads = new Map<
    string,
    { table: string; grainColumn: string; cutoverMs: number }
  >();

  private constructor(
    readonly instance: DuckDBInstance,
    private readonly catalog: IcebergCatalogClient,
    private readonly speed: SpeedState,
  ) {}

  static async create(catalog: IcebergCatalogClient, speed: SpeedState): Promise<ServingEngine> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    const engine = new ServingEngine(instance, catalog, speed);
    engine.admin = await instance.connect();
    await engine.admin.run(`CREATE SCHEMA IF NOT EXISTS ${INTERNAL_SCHEMA}`);
    for (const statement of PG_CATALOG_COMPAT_SETUP) await engine.admin.run(statement);
    speed.attach(instance);
    speed.onChange(() => engine.generation++);
    return engine;
  }

  async connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  /** Starts filling a union view's speed table, so that many views loading at once catch up together. */
  async prepare(dataset: Dataset): Promise<void> {
    if (dataset.union) await this.speed.start(dataset.union.speed.topic, dataset.union.columns);
  }

  /** Creates or replaces the dataset's view; for a union view, loads its batch side first. */
  async apply(dataset: Dataset): Promise<void> {
    const schema = dataset.path.slice(0, -1).join('_');
    const view = `${quoteIdent(schema)}.${quoteIdent(dataset.path.at(-1)!)}`;
    await this.admin.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    if (dataset.sql) {
      await this.assertReadOnly(this.admin, dataset.sql);
      await this.admin.run(`CREATE OR REPLACE VIEW ${view} AS ${dataset.sql}`);
      this.generation++;
      await this.setSpeedRead(dataset.path.join('.'), null);
      return;
    }
    const union = dataset.union!;
    const cutoverMs = Date.parse(union.batch.cutover);
    const speedTable = await this.speed.ensure(union.speed.topic, union.columns, cutoverMs);
    const batchTable = await this.loadBatchSide(union);
    const cols = union.columns.map((c) => quoteIdent(c.name)).join(', ');
    const cutover = `TIMESTAMP ${quoteLiteral(union.batch.cutover.replace('T', ' ').replace(/Z$|\+00:00$/, ''))}`;
    const grain = quoteIdent(union.grainColumn);
    await this.admin.run(
      `CREATE OR REPLACE VIEW ${view} AS\nSELECT ${cols} FROM ${batchTable} WHERE ${grain} < ${cutover}\nUNION ALL\nSELECT ${cols} FROM ${speedTable} WHERE ${grain} >= ${cutover}`,
    );
    this.generation++;
    const key = dataset.path.join('.');
    const previous = this.batchTables.get(key);
    this.batchTables.set(key, batchTable);
    if (previous && previous !== batchTable)
      await this.admin.run(`DROP TABLE IF EXISTS ${previous}`);
    await this.setSpeedRead(key, { table: speedTable, grainColumn: union.grainColumn, cutoverMs });
  }

  async drop(path: string[]): Promise<void> {
    const schema = path.slice(0, -1).join('_');
    await this.admin.run(`DROP VIEW IF EXISTS ${quoteIdent(schema)}.${quoteIdent(path.at(-1)!)}`);
    this.generation++;
    const previous = this.batchTables.get(path.join('.'));
    if (previous) await this.admin.run(`DROP TABLE IF EXISTS ${previous}`);
    this.batchTables.delete(path.join('.'));
    await this.setSpeedRead(path.join('.'), null);
  }

  /**
   * Records which speed table a view reads, once the view has switched. Rows below the lowest
   * cutover of the views reading a table are served from batch sides now and are evicted; a table
   * no view reads any more (an old version's topic, a table replaced by a rebuild) is released.
   */
  private async setSpeedRead(
    key: string,
    read: { table: string; grainColumn: string; cutoverMs: number } | null,
  ): Promise<void> {
    const previous = this.speedReads.get(key);
    if (read) this.speedReads.set(key, read);
    else this.speedReads.delete(key);
    const readers = (table: string) =>
      [...this.speedReads.values()].filter((r) => r.table === table);
    if (read) {
      const lowest = Math.min(...readers(read.table).map((r) => r.cutoverMs));
      await this.speed.evictBelow(read.table, read.grainColumn, lowest);
    }
    if (previous && previous.table !== read?.table && readers(previous.table).length === 0)
      await this.speed.release(previous.table);
  }

  /** The pinned snapshot's rows below the cutover, in an internal table named by (table, snapshot, cutover). */
  private async loadBatchSide(union: UnionSpec): Promise<string> {
    const name = `${INTERNAL_SCHEMA}.${quoteIdent(`batch_${shortHash(JSON.stringify([union.batch, union.columns]))}`)}`;
    const typed = union.columns.map((c) => `${quoteIdent(c.name)} ${duckType(c.type)}`).join(', ');
    await this.admin.run(`CREATE TABLE IF NOT EXISTS ${name} (${typed})`);
    if (!union.batch.snapshotId) return name;
    const [namespace, ...rest] = union.batch.table.split('.');
    const { metadata } = await this.catalog.loadTable({
      namespace: [namespace!],
      name: rest.join('.'),
    });
    const files = await readSnapshotFiles(metadata, new SchemeFileIO(), {
      snapshotId: union.batch.snapshotId,
      where: { column: union.grainColumn, beforeMs: Date.parse(union.batch.cutover) },
    });
    if (files.deleteFiles.length > 0)
      throw new Error(
        `snapshot ${union.batch.snapshotId} of ${union.batch.table} has delete files; batch views are written by INSERT OVERWRITE and never have them`,
      );
    const existing = await this.admin.runAndReadAll(`SELECT count(*) FROM ${name}`);
    if (Number(existing.getRows()[0]![0]) > 0 || files.dataFiles.length === 0) return name;
    const list = files.dataFiles.map((f) => quoteLiteral(localPath(f.path))).join(', ');
    const cols = union.columns
      .map((c) => `CAST(${quoteIdent(c.name)} AS ${duckType(c.type)})`)
      .join(', ');
    await this.admin.run(`INSERT INTO ${name} SELECT ${cols} FROM read_parquet([${list}])`);
    return name;
  }

  /** Throws ReadOnlyError unless every statement of `sql` only reads. */
  async assertReadOnly(connection: DuckDBConnection, sql: string): Promise<void> {
    const extracted = await connection.extractStatements(sql);
    for (let i = 0; i < extracted.count; i++) {
      const prepared = await extracted.prepare(i);
      const type = prepared.statementType;
      prepared.destroySync();
      if (!READ_STATEMENTS.has(type)) throw new ReadOnlyError(StatementType[type] ?? String(type));
    }
  }

  /** Runs a read-only statement with positional parameters ($1, $2…, bound as text and cast by DuckDB). */
  async query(
    connection: DuckDBConnection,
    sql: string,
    params: (string | null)[] = [],
  ): Promise<QueryResult> {
    const prepared = await this.prepared(connection, sql);
    if (!READ_STATEMENTS.has(prepared.statementType))
      throw new ReadOnlyError(StatementType[prepared.statementType] ?? 'this');
    prepared.clearBindings();
    params.forEach((value, i) =>
      value === null ? prepared.bindNull(i + 1) : prepared.bindVarchar(i + 1, value),
    );
    const reader = await prepared.runAndReadAll();
    const columns = reader
      .columnNames()
      .map((name, i) => ({ name, type: reader.columnType(i).toString() }));
    const rows = reader.getRows();
    const tag = prepared.statementType === StatementType.SET ? 'SET' : `SELECT ${rows.length}`;
    return { columns, rows, commandTag: tag };
  }

  /**
   * A dashboard sends the same statements again and again: each connection keeps its newest
   * prepared statements by SQL text, which halves DuckDB's time for a typical aggregate (planning
   * is half of it). A statement prepared before the latest change of a view or of any speed rows
   * is prepared again. DuckDB rebinds by itself only when the catalog changed, and a plan bakes in
   * the table statistics of its preparation: a statement prepared over an empty speed table goes
   * on answering nothing from it after rows arrive (a union view that stayed empty until the
   * first batch, found by the seam test).
   */
  private async prepared(
    connection: DuckDBConnection,
    sql: string,
  ): Promise<DuckDBPreparedStatement> {
    let cache = this.statementCache.get(connection);
    if (!cache) this.statementCache.set(connection, (cache = new Map()));
    const hit = cache.get(sql);
    cache.delete(sql); // re-inserted below: the map's order is least recently used first
    if (hit && hit.generation === this.generation) {
      cache.set(sql, hit);
      return hit.statement;
    }
    hit?.statement.destroySync();
    const generation = this.generation;
    const statement = await connection.prepare(sql);
    cache.set(sql, { statement, generation });
    if (cache.size > STATEMENT_CACHE_SIZE) {
      const [oldest, entry] = cache.entries().next().value!;
      cache.delete(oldest);
      entry.statement.destroySync();
    }
    return statement;
  }

  /** Closes a connection from connect() with the statements it kept. */
  disconnect(connection: DuckDBConnection): void {
    for (const { statement } of this.statementCache.get(connection)?.values() ?? [])
      statement.destroySync();
    this.statementCache.delete(connection);
    connection.closeSync();
  }

  /** Columns of a statement without running it (Describe in the extended protocol). */
  async describe(
    connection: DuckDBConnection,
    sql: string,
  ): Promise<{ columns: QueryColumn[]; parameterCount: number }> {
    const prepared = await connection.prepare(sql);
    try {
      const columns: QueryColumn[] = [];
      for (let i = 0; i < prepared.columnCount; i++)
        columns.push({ name: prepared.columnName(i), type: prepared.columnType(i).toString() });
      return { columns, parameterCount: prepared.parameterCount };
    } finally {
      prepared.destroySync();
    }
  }

  close(): void {
    this.admin.closeSync();
    this.instance.closeSync();
  }
}
