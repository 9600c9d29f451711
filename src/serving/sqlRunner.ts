import { createHash } from 'node:crypto';
import pg from 'pg';
import type { DescribedColumn } from './unionViews.ts';

/** A SQL user's credentials, checked by PostgreSQL itself. */
export interface SqlCredentials {
  user: string;
  password: string;
}

/** A query's result with every value as PostgreSQL's text (exact), typed by its columns. */
export interface SqlResult {
  columns: DescribedColumn[];
  rows: (string | null)[][];
}

/** Values stay PostgreSQL's text: conversion to JSON or Arrow happens once, knowing the type. */
const TEXT_TYPES = { getTypeParser: () => (value: string) => value };

/**
 * Runs HTTP SQL jobs on PostgreSQL as the caller's own role, in a read-only transaction, so the
 * database decides what a user may read; one small pool per user.
 */
export class SqlRunner {
  private readonly pools = new Map<string, pg.Pool>();

  constructor(private readonly url: string) {}

  private pool(credentials: SqlCredentials): pg.Pool {
    const key = createHash('sha256')
      .update(`${credentials.user}\0${credentials.password}`)
      .digest('hex');
    let pool = this.pools.get(key);
    if (!pool) {
      const target = new URL(this.url);
      pool = new pg.Pool({
        host: target.hostname,
        port: Number(target.port || 5432),
        database: decodeURIComponent(target.pathname.slice(1)),
        user: credentials.user,
        password: credentials.password,
        max: 4,
        idleTimeoutMillis: 30_000,
      });
      pool.on('error', () => undefined);
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Whether PostgreSQL accepts these credentials (a rejected login is not kept as a pool). */
  async authenticate(credentials: SqlCredentials): Promise<boolean> {
    try {
      const client = await this.pool(credentials).connect();
      client.release();
      return true;
    } catch {
      await this.forget(credentials);
      return false;
    }
  }

  async run(credentials: SqlCredentials, sql: string): Promise<SqlResult> {
    const client = await this.pool(credentials).connect();
    try {
      await client.query('BEGIN TRANSACTION READ ONLY');
      try {
        const result = await client.query({ text: sql, rowMode: 'array', types: TEXT_TYPES });
        await client.query('COMMIT');
        return {
          columns: (result.fields ?? []).map((f) => ({
            name: f.name,
            oid: f.dataTypeID,
            typmod: f.dataTypeModifier,
          })),
          rows: (result.rows ?? []) as (string | null)[][],
        };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } finally {
      client.release();
    }
  }

  private async forget(credentials: SqlCredentials): Promise<void> {
    for (const [key, pool] of this.pools) {
      if (
        pool.options.user === credentials.user &&
        pool.options.password === credentials.password
      ) {
        this.pools.delete(key);
        await pool.end().catch(() => undefined);
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.end().catch(() => undefined)));
    this.pools.clear();
  }
}
