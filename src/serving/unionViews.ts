import type { DuckDBConnection } from '@duckdb/node-api';
import type { Kafka } from 'kafkajs';
import pg from 'pg';
import type { IcebergCatalogClient } from '../iceberg/index.ts';
import { loadBatchTable } from './batchLoad.ts';
import {
  batchTableName,
  quoteIdent,
  speedTableName,
  unionViewSql,
  viewName,
  type Dataset,
  type UnionSpec,
} from './datasets.ts';
import {
  DRIFT_VIEW,
  driftViewSql,
  grainBound,
  measureDrift,
  recordDrift,
  type DriftReport,
} from './drift.ts';
import { appliedSqlDatasets, restoreDroppedViews } from './dependentViews.ts';
import { ServingError } from './errors.ts';
import { INTERNAL_SCHEMA, reservedSchema } from './internalSchema.ts';
import { postgresType } from './pgTypes.ts';
import { SPEED_CHANNEL } from './speedLoader.ts';
import { errorCode, type ServingStore } from './store.ts';

const internal = quoteIdent(INTERNAL_SCHEMA);

interface AppliedRow {
  batch_table: string | null;
  speed_table: string | null;
  cutover: Date | null;
}

/** A column of a statement's result, as PostgreSQL describes it. */
export interface DescribedColumn {
  name: string;
  oid: number;
  typmod: number;
}

/**
 * Makes PostgreSQL serve datasets. A union view switches in one transaction: the view is replaced
 * to read the new batch table and cutover, the dataset's applied state is recorded, speed rows
 * below the cutover are evicted and the replaced batch table is dropped; a query sees the old pair
 * or the new one. Before that transaction, the speed table must have consumed its topic up to the
 * log end taken now: a view never switches to a partial speed side, and until it can, the
 * previous pair keeps serving.
 */
export class UnionViews {
  constructor(
    private readonly store: ServingStore,
    private readonly catalog: IcebergCatalogClient,
    private readonly duck: DuckDBConnection,
    private readonly kafka: Kafka,
    private readonly catchUpMs: number,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /** Registers a union view's speed table so the active loader starts on it before the switch. */
  async prepare(dataset: Dataset): Promise<void> {
    if (dataset.union) await this.speedTable(dataset.union);
  }

  /**
   * Serves a dataset; for a union view moving its cutover forward, returns the drift between the
   * speed rows it replaces and the new batch rows (recorded in the schema's drift view).
   */
  async apply(dataset: Dataset): Promise<DriftReport | null> {
    const view = viewName(dataset.path);
    if (reservedSchema(view.schema))
      throw new ServingError(
        'bad-request',
        `schema ${view.schema} is reserved; choose another path`,
      );
    if (view.name === DRIFT_VIEW)
      throw new ServingError(
        'bad-request',
        `${DRIFT_VIEW} is the drift view of every schema; choose another name`,
      );
    if (!dataset.union) {
      await this.store.transaction(async (client) => {
        await this.lockPath(client, dataset.path);
        const previous = await this.appliedRow(client, dataset.path);
        await this.replaceView(client, dataset.path, dataset.sql!);
        await this.record(client, dataset, null, null);
        await this.releaseUnused(client, previous);
      });
      return null;
    }
    const union = dataset.union;
    const speed = await this.speedTable(union);
    await this.waitCaughtUp(speed, union.speed.topic);
    const batch = batchTableName(union);
    await loadBatchTable(this.store, this.catalog, this.duck, union, batch);
    return this.store.transaction(async (client) => {
      await this.lockPath(client, dataset.path);
      const previous = await this.appliedRow(client, dataset.path);
      const drift = await this.drift(client, dataset, previous, batch);
      await this.replaceView(client, dataset.path, unionViewSql(union, { batch, speed }));
      await this.record(client, dataset, { batch, speed }, union.batch.cutover);
      await this.evict(client, speed, union);
      await this.releaseUnused(client, previous);
      return drift;
    });
  }

  /** Drift of the windows between the served cutover and the new one, measured before the switch. */
  private async drift(
    client: pg.PoolClient,
    dataset: Dataset,
    previous: AppliedRow | undefined,
    batch: string,
  ): Promise<DriftReport | null> {
    const union = dataset.union!;
    if (!previous?.speed_table || !previous.cutover) return null;
    if (previous.cutover.getTime() >= Date.parse(union.batch.cutover)) return null;
    const report = await measureDrift(
      client,
      union,
      { speed: previous.speed_table, batch },
      previous.cutover,
    );
    await recordDrift(client, dataset.path, union.version, report);
    return report;
  }

  async drop(path: string[]): Promise<void> {
    await this.store.transaction(async (client) => {
      await this.lockPath(client, path);
      const previous = await this.appliedRow(client, path);
      await client.query(`DROP VIEW IF EXISTS ${viewName(path).qualified} CASCADE`);
      await client.query(`DELETE FROM ${internal}.datasets WHERE path = $1`, [path.join('.')]);
      await this.releaseUnused(client, previous);
    });
  }

  /** The id and tag of every dataset PostgreSQL serves now, by path. */
  async applied(): Promise<Map<string, { id: string; tag: string }>> {
    const { rows } = await this.store.pool.query<{ path: string; id: string; tag: string }>(
      `SELECT path, id, tag FROM ${internal}.datasets`,
    );
    return new Map(rows.map((r) => [r.path, { id: r.id, tag: r.tag }]));
  }

  /** Records the id and tag the catalog gave a dataset once it was saved. */
  async recordSaved(dataset: Dataset): Promise<void> {
    await this.store.pool.query(
      `UPDATE ${internal}.datasets SET id = $2, tag = $3 WHERE path = $1`,
      [dataset.path.join('.'), dataset.id, dataset.tag],
    );
  }

  /** The columns a SELECT returns, without running it. */
  async describe(sql: string): Promise<DescribedColumn[]> {
    const result = await this.store.pool.query(`SELECT * FROM (${sql}) AS described LIMIT 0`);
    return result.fields.map((f) => ({
      name: f.name,
      oid: f.dataTypeID,
      typmod: f.dataTypeModifier,
    }));
  }

  private async lockPath(client: pg.PoolClient, path: string[]): Promise<void> {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`view:${path.join('.')}`]);
  }

  private async appliedRow(client: pg.PoolClient, path: string[]): Promise<AppliedRow | undefined> {
    const { rows } = await client.query<AppliedRow>(
      `SELECT batch_table, speed_table, cutover FROM ${internal}.datasets WHERE path = $1`,
      [path.join('.')],
    );
    return rows[0];
  }

  private async replaceView(client: pg.PoolClient, path: string[], sql: string): Promise<void> {
    const view = viewName(path);
    const reader = pg.escapeIdentifier(this.store.reader.user);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(view.schema)}`);
    await client.query(`GRANT USAGE ON SCHEMA ${quoteIdent(view.schema)} TO ${reader}`);
    const drift = `${quoteIdent(view.schema)}.${quoteIdent(DRIFT_VIEW)}`;
    await client.query(`CREATE OR REPLACE VIEW ${drift} AS ${driftViewSql(view.schema)}`);
    await client.query(`GRANT SELECT ON ${drift} TO ${reader}`);
    await client.query('SAVEPOINT replace_view');
    try {
      await client.query(`CREATE OR REPLACE VIEW ${view.qualified} AS ${sql}`);
    } catch (error) {
      // 42P16: the columns changed (a new metric version); views built on this one go with it and
      // come back when the catalog applies them again.
      if (errorCode(error) !== '42P16') throw error;
      await client.query('ROLLBACK TO SAVEPOINT replace_view');
      const dependents = await appliedSqlDatasets(client);
      await client.query(`DROP VIEW ${view.qualified} CASCADE`);
      await client.query(`CREATE VIEW ${view.qualified} AS ${sql}`);
      // Views built on this one (derived metrics) come back in this same transaction.
      const left = await restoreDroppedViews(client, dependents, (qualified) =>
        client.query(`GRANT SELECT ON ${qualified} TO ${reader}`).then(() => undefined),
      );
      if (left.length > 0)
        this.log(
          `serving: ${left.join(', ')} no longer run on the new columns of ${path.join('.')}; not served until the catalog applies them again`,
        );
    }
    await client.query(`GRANT SELECT ON ${view.qualified} TO ${reader}`);
  }

  private async record(
    client: pg.PoolClient,
    dataset: Dataset,
    tables: { batch: string; speed: string } | null,
    cutover: string | null,
  ): Promise<void> {
    await client.query(
      `INSERT INTO ${internal}.datasets (path, id, tag, definition, batch_table, speed_table, cutover, applied_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now())
       ON CONFLICT (path) DO UPDATE SET id = EXCLUDED.id, tag = EXCLUDED.tag, definition = EXCLUDED.definition,
         batch_table = EXCLUDED.batch_table, speed_table = EXCLUDED.speed_table, cutover = EXCLUDED.cutover, applied_at = now()`,
      [
        dataset.path.join('.'),
        dataset.id,
        dataset.tag,
        JSON.stringify({ sql: dataset.sql, union: dataset.union }),
        tables?.batch ?? null,
        tables?.speed ?? null,
        cutover,
      ],
    );
  }

  /**
   * Deletes speed rows every view reading the table now answers from its batch side (grain below
   * the lowest of their cutovers), and remembers how far: a later, earlier cutover (a backfill)
   * then gets a rebuilt table instead of a hole.
   */
  private async evict(client: pg.PoolClient, speed: string, union: UnionSpec): Promise<void> {
    const { rows } = await client.query<{ lowest: Date | null }>(
      `SELECT min(cutover) AS lowest FROM ${internal}.datasets WHERE speed_table = $1`,
      [speed],
    );
    const lowest = rows[0]?.lowest;
    if (!lowest) return;
    const bound = grainBound(union, '$1');
    await client.query(
      `DELETE FROM ${internal}.${quoteIdent(speed)} WHERE ${quoteIdent(union.grainColumn)} < ${bound}`,
      [lowest.toISOString()],
    );
    await client.query(
      `UPDATE ${internal}.speed_tables SET evicted_below = GREATEST(COALESCE(evicted_below, $2::timestamptz), $2::timestamptz) WHERE name = $1`,
      [speed, lowest.toISOString()],
    );
  }

  /** Drops the batch and speed tables a dataset read before, once no dataset reads them. */
  private async releaseUnused(
    client: pg.PoolClient,
    previous: AppliedRow | undefined,
  ): Promise<void> {
    const unused = async (column: 'batch_table' | 'speed_table', name: string | null) =>
      name !== null &&
      (
        await client.query(`SELECT 1 FROM ${internal}.datasets WHERE ${column} = $1 LIMIT 1`, [
          name,
        ])
      ).rowCount === 0;
    if (await unused('batch_table', previous?.batch_table ?? null)) {
      await client.query(`DROP TABLE IF EXISTS ${internal}.${quoteIdent(previous!.batch_table!)}`);
      await client.query(`DELETE FROM ${internal}.batch_tables WHERE name = $1`, [
        previous!.batch_table,
      ]);
    }
    if (await unused('speed_table', previous?.speed_table ?? null)) {
      const name = previous!.speed_table!;
      await client.query(`DELETE FROM ${internal}.speed_tables WHERE name = $1`, [name]);
      await client.query(`DELETE FROM ${internal}.speed_offsets WHERE table_name = $1`, [name]);
      await client.query(`DROP TABLE IF EXISTS ${internal}.${quoteIdent(name)}`);
      await client.query(`NOTIFY ${SPEED_CHANNEL}`);
    }
  }

  /**
   * The speed table a union view reads: the topic's newest table, or a new one consumed from the
   * beginning when the cutover lies below rows that table already evicted (a backfill).
   */
  private async speedTable(union: UnionSpec): Promise<string> {
    const topic = union.speed.topic;
    const cutoverMs = Date.parse(union.batch.cutover);
    return this.store.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`speed:${topic}`]);
      const { rows } = await client.query<{ name: string; evicted_below: Date | null }>(
        `SELECT name, evicted_below FROM ${internal}.speed_tables WHERE topic = $1 ORDER BY created_at DESC, name DESC`,
        [topic],
      );
      const newest = rows[0];
      if (newest && (newest.evicted_below === null || cutoverMs >= newest.evicted_below.getTime()))
        return newest.name;
      const taken = new Set(rows.map((r) => r.name));
      let generation = rows.length;
      while (taken.has(speedTableName(topic, generation))) generation++;
      const name = speedTableName(topic, generation);
      const typed = union.columns.map((c) => `${quoteIdent(c.name)} ${postgresType(c.type)}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${internal}.${quoteIdent(name)} (lambdalake_key text PRIMARY KEY, ${typed.join(', ')})`,
      );
      await client.query(
        `INSERT INTO ${internal}.speed_tables (name, topic, columns, grain_column) VALUES ($1, $2, $3, $4)`,
        [name, topic, JSON.stringify(union.columns), union.grainColumn],
      );
      await client.query(`NOTIFY ${SPEED_CHANNEL}`);
      return name;
    });
  }

  /** Waits until the speed table holds its topic up to the log end read now; throws after catchUpMs. */
  private async waitCaughtUp(table: string, topic: string): Promise<void> {
    // A fresh admin each time, on purpose: a kafkajs admin keeps every topic it ever looked up in
    // its metadata targets, and once the control plane deletes a retired version's topic, every
    // later call of a long-lived admin retries forever.
    const admin = this.kafka.admin();
    await admin.connect();
    let ends: { partition: number; high: string }[];
    try {
      ends = await admin.fetchTopicOffsets(topic);
    } finally {
      await admin.disconnect();
    }
    const deadline = Date.now() + this.catchUpMs;
    let behind: string[];
    do {
      const { rows } = await this.store.pool.query<{
        kafka_partition: number;
        next_offset: string;
      }>(
        `SELECT kafka_partition, next_offset FROM ${internal}.speed_offsets WHERE table_name = $1`,
        [table],
      );
      const at = new Map(rows.map((r) => [r.kafka_partition, BigInt(r.next_offset)]));
      behind = ends
        .filter((e) => BigInt(e.high) > (at.get(e.partition) ?? 0n))
        .map((e) => `partition ${e.partition} at ${at.get(e.partition) ?? 0n} of ${e.high}`);
      if (behind.length === 0) return;
      await new Promise((r) => setTimeout(r, 25));
    } while (Date.now() < deadline);
    throw new ServingError(
      'speed-not-caught-up',
      `the speed side of ${topic} has not caught up within ${this.catchUpMs} ms (${behind.join(', ')}): the previous publication keeps serving; try again`,
      true,
    );
  }
}
