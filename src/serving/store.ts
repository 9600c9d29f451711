import pg from 'pg';
import { INTERNAL_SCHEMA } from './internalSchema.ts';

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;

/** The role SQL clients log in with: SELECT on the union views, nothing else. */
export interface ReaderRole {
  user: string;
  password: string;
}

/** One lock id for bootstraps, so two replicas starting together do not race on CREATE. */
const BOOTSTRAP_LOCK = 7_204_611;

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error
    ? String((error as { code: unknown }).code)
    : undefined;
}

/**
 * The serving store: PostgreSQL reached with the control plane's (owner) credential. Owns the
 * internal schema (batch tables, speed tables, consumed offsets, applied datasets) and the reader
 * role; SQL clients connect to the same server with that role.
 */
export class ServingStore {
  private constructor(
    readonly url: string,
    readonly pool: pg.Pool,
    readonly database: string,
    readonly reader: ReaderRole,
  ) {}

  /** Connects (creating the database when missing) and creates what serving needs. */
  static async open(url: string, reader: ReaderRole): Promise<ServingStore> {
    const parsed = new URL(url);
    const database = decodeURIComponent(parsed.pathname.slice(1)) || 'postgres';
    await createDatabaseIfMissing(url, database);
    const pool = new pg.Pool({ connectionString: url, max: 8, idleTimeoutMillis: 30_000 });
    // An idle client losing its server must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    const store = new ServingStore(url, pool, database, reader);
    await store.bootstrap();
    return store;
  }

  /** Runs `work` in one transaction on one pooled connection. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async bootstrap(): Promise<void> {
    const s = ident(INTERNAL_SCHEMA);
    const r = ident(this.reader.user);
    await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(`REVOKE ALL ON SCHEMA ${s} FROM PUBLIC`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${s}.datasets (
        path text PRIMARY KEY, id text NOT NULL, tag text NOT NULL, definition jsonb NOT NULL,
        batch_table text, speed_table text, cutover timestamptz, applied_at timestamptz NOT NULL DEFAULT now())`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${s}.speed_tables (
        name text PRIMARY KEY, topic text NOT NULL, columns jsonb NOT NULL, grain_column text NOT NULL,
        evicted_below timestamptz, created_at timestamptz NOT NULL DEFAULT now())`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${s}.speed_offsets (
        table_name text NOT NULL, kafka_partition integer NOT NULL, next_offset bigint NOT NULL,
        PRIMARY KEY (table_name, kafka_partition))`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${s}.batch_tables (
        name text PRIMARY KEY, source_table text NOT NULL, snapshot_id text, row_count bigint NOT NULL,
        loaded_at timestamptz NOT NULL DEFAULT now())`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${s}.drift (
        schema_name text NOT NULL, metric text NOT NULL, version text NOT NULL,
        published_at timestamptz NOT NULL DEFAULT now(), previous_cutover timestamptz NOT NULL,
        cutover timestamptz NOT NULL, measure text NOT NULL, windows_compared bigint NOT NULL,
        windows_only_speed bigint NOT NULL, windows_only_batch bigint NOT NULL,
        windows_differing bigint NOT NULL, max_abs_diff numeric, max_rel_diff double precision,
        examples jsonb NOT NULL)`);
      const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [
        this.reader.user,
      ]);
      if (exists.rowCount === 0) await client.query(`CREATE ROLE ${r} LOGIN`);
      // The reader reads views and nothing else: no superuser, no files, no role or database
      // creation, no temporary tables, no objects in public; a runaway query ends after 5 minutes.
      await client.query(
        `ALTER ROLE ${r} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${literal(this.reader.password)}`,
      );
      await client.query(`ALTER ROLE ${r} SET statement_timeout = '300s'`);
      await client.query(`ALTER ROLE ${r} SET timezone = 'UTC'`);
      await client.query(`REVOKE ALL ON DATABASE ${ident(this.database)} FROM PUBLIC`);
      await client.query(`GRANT CONNECT ON DATABASE ${ident(this.database)} TO ${r}`);
      await client.query('REVOKE ALL ON SCHEMA public FROM PUBLIC');
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

async function createDatabaseIfMissing(url: string, database: string): Promise<void> {
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    return;
  } catch (error) {
    if (errorCode(error) !== '3D000') throw error;
  } finally {
    await probe.end().catch(() => undefined);
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.href });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${ident(database)}`);
  } catch (error) {
    if (errorCode(error) !== '42P04') throw error; // another replica created it meanwhile
  } finally {
    await client.end();
  }
}

export { errorCode };
