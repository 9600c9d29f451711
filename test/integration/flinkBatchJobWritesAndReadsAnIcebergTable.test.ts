import { expect, test } from 'vitest';
import { SmokeGatewaySession, waitForJobState } from './support/gatewaySession.ts';
import { stackEndpoints } from './stack.ts';

test('a Flink batch job creates an Iceberg table in the REST catalog, inserts rows and reads them back', async () => {
  const stack = stackEndpoints();
  const ns = `smoke_batch_${Date.now()}`;
  const session = await SmokeGatewaySession.open(stack.sqlGatewayUrl);
  const batch = { 'execution.runtime-mode': 'batch' };
  try {
    await session.run(
      `CREATE CATALOG lake WITH ('type'='iceberg','catalog-type'='rest','uri'='${stack.icebergCatalogUrl}','warehouse'='${stack.warehouseUri}')`,
    );
    await session.run(`CREATE DATABASE lake.${ns}`);
    await session.run(
      `CREATE TABLE lake.${ns}.orders (order_id STRING, amount DECIMAL(10,2), ts TIMESTAMP(3))`,
    );
    const insert = await session.run(
      `INSERT INTO lake.${ns}.orders VALUES ('o1', 10.50, TIMESTAMP '2026-11-01 10:00:00'), ('o2', 4.25, TIMESTAMP '2026-11-01 11:30:00')`,
      batch,
    );
    expect(insert.jobId).toMatch(/^[0-9a-f]{32}$/);
    expect(
      await waitForJobState(stack.flinkRestUrl, insert.jobId!, ['FINISHED', 'FAILED', 'CANCELED']),
    ).toBe('FINISHED');

    const read = await session.run(
      `SELECT order_id, CAST(amount AS STRING) FROM lake.${ns}.orders ORDER BY order_id`,
      batch,
    );
    expect(read.rows).toEqual([
      ['o1', '10.50'],
      ['o2', '4.25'],
    ]);

    // The catalog itself (not only Flink) sees the committed snapshot.
    const table = (await (
      await fetch(`${stack.icebergCatalogUrl}/v1/namespaces/${ns}/tables/orders`)
    ).json()) as {
      metadata: { 'current-snapshot-id': number; snapshots: { summary: Record<string, string> }[] };
    };
    expect(table.metadata.snapshots).toHaveLength(1);
    expect(table.metadata.snapshots[0]?.summary['added-records']).toBe('2');
  } finally {
    await session.close();
  }
});
