import axios from 'axios';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { expect, test } from 'vitest';
import { SqlGatewayClient } from '../../src/flink/index.ts';
import { IcebergCatalogClient } from '../../src/iceberg/index.ts';
import { servingConfig } from '../../src/serving/main.ts';
import { stackEndpoints } from './stack.ts';
import { servingPgConfig } from './support/pipelineFixture.ts';

const TOKEN = 'lambdalake-local-control-plane';
const CUTOVER = '2026-11-20T12:00:00Z';

test("a published snapshot's rows below the cutover, loaded into PostgreSQL, equal what Flink reads from that snapshot (decimals, timestamps, NULLs, several files)", async () => {
  const stack = stackEndpoints();
  const ns = `load${Date.now().toString(36)}`;
  const catalog = new IcebergCatalogClient({ url: stack.icebergCatalogUrl });
  await catalog.createNamespace([ns]);
  const gateway = new SqlGatewayClient({ url: stack.sqlGatewayUrl });
  const batch = {
    executionConfig: {
      'execution.runtime-mode': 'batch',
      'table.dml-sync': 'true',
      'table.local-time-zone': 'UTC',
    },
  };
  const flinkRows = await gateway.withSession(async (s) => {
    await gateway.executeStatement(
      s,
      `CREATE CATALOG lake WITH ('type'='iceberg','catalog-type'='rest','uri'='${stack.icebergCatalogUrl}')`,
    );
    await gateway.executeStatement(
      s,
      `CREATE TABLE lake.${ns}.revenue (\`hour\` TIMESTAMP(3), product STRING, revenue DECIMAL(22, 2), orders BIGINT)`,
    );
    // 600 generated rows over 48 hours around the cutover, then edge rows in a second file.
    const minute = 60_000;
    const start = Date.parse('2026-11-19T12:00:00Z');
    const values = Array.from({ length: 600 }, (_, n) => {
      const at = new Date(start + ((n * 7) % 2880) * minute).toISOString();
      return `(TIMESTAMP '${at.slice(0, 10)} ${at.slice(11, 23)}', 'p${n % 13}', ${n}.${String(n % 100).padStart(2, '0')}, ${n})`;
    });
    await gateway.executeStatement(
      s,
      `INSERT INTO lake.${ns}.revenue VALUES ${values.join(', ')}`,
      batch,
    );
    await gateway.executeStatement(
      s,
      `INSERT INTO lake.${ns}.revenue VALUES (TIMESTAMP '2026-11-20 11:59:59.999', 'edge', 12345678901234567.89, 1), (TIMESTAMP '2026-11-20 12:00:00.000', 'at-cutover', 1.00, 2), (TIMESTAMP '2026-11-20 08:00:00.000', CAST(NULL AS STRING), CAST(NULL AS DECIMAL(22, 2)), 3)`,
      batch,
    );
    const result = await gateway.executeStatement(
      s,
      `SELECT DATE_FORMAT(\`hour\`, 'yyyy-MM-dd HH:mm:ss.SSS') AS h, product, CAST(revenue AS STRING) AS revenue, orders FROM lake.${ns}.revenue WHERE \`hour\` < TIMESTAMP '2026-11-20 12:00:00.000'`,
      batch,
    );
    return result.rows
      .map((r) => [
        String(r.values.h),
        r.values.product === null ? null : String(r.values.product),
        r.values.revenue === null ? null : String(r.values.revenue),
        String(r.values.orders),
      ])
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  });
  expect(flinkRows.length).toBeGreaterThan(250);

  const metadata = (await catalog.loadTable({ namespace: [ns], name: 'revenue' })).metadata;
  const admin = new Kafka({
    clientId: 'it-batch-load',
    brokers: stack.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: `${ns}.speed.none` }], waitForLeaders: true });
  await admin.disconnect();
  const http = axios.create({
    baseURL: `http://127.0.0.1:${servingConfig().httpPort}`,
    headers: { authorization: `Bearer ${TOKEN}` },
    timeout: 120_000,
  });
  const created = await http.post('/api/v3/catalog', {
    path: [ns, 'served_revenue'],
    union: {
      version: '1',
      grainColumn: 'hour',
      grainSize: '1 minute',
      keyColumns: ['product'],
      columns: [
        { name: 'hour', type: 'TIMESTAMP(3)' },
        { name: 'product', type: 'STRING' },
        { name: 'revenue', type: 'DECIMAL(22,2)' },
        { name: 'orders', type: 'BIGINT' },
      ],
      batch: {
        table: `${ns}.revenue`,
        snapshotId: String(metadata['current-snapshot-id']),
        cutover: CUTOVER,
      },
      speed: { topic: `${ns}.speed.none` },
    },
  });
  expect(created.status).toBe(200);

  const client = new pg.Client(servingPgConfig());
  await client.connect();
  try {
    const { rows } = await client.query({
      text: `SELECT to_char("hour", 'YYYY-MM-DD HH24:MI:SS.MS') AS h, product, CAST(revenue AS text) AS revenue, CAST(orders AS text) AS orders FROM ${ns}.served_revenue`,
      rowMode: 'array',
    });
    const served = (rows as (string | null)[][]).sort((a, b) =>
      JSON.stringify(a).localeCompare(JSON.stringify(b)),
    );
    expect(served).toEqual(flinkRows);
    expect(served.some((r) => r[1] === 'edge' && r[2] === '12345678901234567.89')).toBe(true);
    expect(served.some((r) => r[1] === 'at-cutover')).toBe(false);
    expect(served.some((r) => r[1] === null && r[2] === null)).toBe(true);
  } finally {
    await client.end();
    await http.delete(`/api/v3/catalog/${created.data.id}`);
  }
}, 180_000);
