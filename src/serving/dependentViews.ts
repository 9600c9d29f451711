import type pg from 'pg';
import { quoteIdent, viewName } from './datasets.ts';
import { INTERNAL_SCHEMA } from './internalSchema.ts';

const internal = quoteIdent(INTERNAL_SCHEMA);

/** An SQL dataset (a derived metric's view) as serving applied it. */
interface SqlDataset {
  path: string;
  sql: string;
}

/**
 * A union view whose columns change type (a new metric version, BIGINT → INT) cannot be replaced
 * in place: PostgreSQL drops it with every view built on it (DROP … CASCADE). The SQL datasets
 * among those are created again from their applied definitions in the same transaction, so a
 * derived metric's view never disappears, not even for the moment of the switch.
 */
export async function appliedSqlDatasets(client: pg.PoolClient): Promise<SqlDataset[]> {
  const { rows } = await client.query<SqlDataset>(
    `SELECT path, definition->>'sql' AS sql FROM ${internal}.datasets WHERE definition->>'sql' IS NOT NULL ORDER BY path`,
  );
  return rows;
}

/**
 * Creates again the views of `datasets` that no longer exist (in dependency order: as many
 * passes as it takes); returns the paths whose SQL no longer runs on the new columns, which are
 * left out, and forgotten as applied, so the catalog's refresh serves them again once it can.
 */
export async function restoreDroppedViews(
  client: pg.PoolClient,
  datasets: readonly SqlDataset[],
  grant: (qualified: string) => Promise<void>,
): Promise<string[]> {
  let pending: SqlDataset[] = [];
  for (const d of datasets) {
    const view = viewName(d.path.split('.'));
    const { rows } = await client.query<{ oid: string | null }>('SELECT to_regclass($1) AS oid', [
      view.qualified,
    ]);
    if (rows[0]?.oid === null) pending.push(d);
  }
  for (let restored = true; restored && pending.length > 0;) {
    restored = false;
    const failed: SqlDataset[] = [];
    for (const d of pending) {
      const view = viewName(d.path.split('.'));
      await client.query('SAVEPOINT restore_view');
      try {
        await client.query(`CREATE VIEW ${view.qualified} AS ${d.sql}`);
        await grant(view.qualified);
        await client.query('RELEASE SAVEPOINT restore_view');
        restored = true;
      } catch {
        await client.query('ROLLBACK TO SAVEPOINT restore_view');
        failed.push(d);
      }
    }
    pending = failed;
  }
  for (const d of pending)
    await client.query(`DELETE FROM ${internal}.datasets WHERE path = $1`, [d.path]);
  return pending.map((d) => d.path);
}
