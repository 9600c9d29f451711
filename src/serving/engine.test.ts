import { expect, test } from 'vitest';
import { IcebergCatalogClient } from '../iceberg/index.ts';
import { ServingEngine } from './engine.ts';
import { SpeedState } from './speedState.ts';

// SQL-only datasets touch neither the catalog nor Kafka: nothing listens at these addresses.
async function engine(): Promise<ServingEngine> {
  return ServingEngine.create(
    new IcebergCatalogClient({ url: 'http://127.0.0.1:9' }),
    new SpeedState(['127.0.0.1:9']),
  );
}

const dataset = (sql: string, tag: string) => ({
  id: 'd1',
  path: ['shop', 'sales'],
  tag,
  sql,
  createdAt: new Date(0).toISOString(),
});

test('a statement a connection keeps prepared reads a replaced view as it is now', async () => {
  const serving = await engine();
  const connection = await serving.connect();
  try {
    await serving.apply(dataset('SELECT 1 AS amount', '1'));
    const query = 'SELECT sum(amount) AS total FROM shop.sales';
    expect((await serving.query(connection, query)).rows).toEqual([[1n]]);
    await serving.apply(dataset('SELECT * FROM (VALUES (2), (3)) t(amount)', '2'));
    expect((await serving.query(connection, query)).rows).toEqual([[5n]]);
    await serving.apply(dataset('SELECT 4 AS price', '3'));
    await expect(serving.query(connection, query)).rejects.toThrow(/amount/);
  } finally {
    serving.disconnect(connection);
    serving.close();
  }
});

test('bound parameters are rebound on every run of a kept statement', async () => {
  const serving = await engine();
  const connection = await serving.connect();
  try {
    const query = 'SELECT $1::INTEGER * 2 AS doubled';
    expect((await serving.query(connection, query, ['2'])).rows).toEqual([[4]]);
    expect((await serving.query(connection, query, ['21'])).rows).toEqual([[42]]);
    expect((await serving.query(connection, query, [null])).rows).toEqual([[null]]);
  } finally {
    serving.disconnect(connection);
    serving.close();
  }
});

test('a connection keeps at most 32 statements and still answers the ones it dropped', async () => {
  const serving = await engine();
  const connection = await serving.connect();
  try {
    for (let i = 0; i < 40; i++)
      expect((await serving.query(connection, `SELECT ${i} AS n`)).rows).toEqual([[i]]);
    expect((await serving.query(connection, 'SELECT 0 AS n')).rows).toEqual([[0]]);
  } finally {
    serving.disconnect(connection);
    serving.close();
  }
});
