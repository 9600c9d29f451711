import { expect, test } from 'vitest';
import { SqlGatewayClient } from '../../src/flink/index.ts';
import { IcebergCatalogClient, readSnapshotFiles, SchemeFileIO } from '../../src/iceberg/index.ts';
import { stackEndpoints } from './stack.ts';

const DAY = 86_400_000;

test('the files and record counts the reader finds for a Flink-written snapshot equal what Flink itself counts per partition', async () => {
  const stack = stackEndpoints();
  const catalog = new IcebergCatalogClient({ url: stack.icebergCatalogUrl });
  const ns = `reader_${Date.now()}`;
  await catalog.createNamespace([ns]);
  await catalog.createTable([ns], {
    name: 'events',
    schema: {
      type: 'struct',
      'schema-id': 0,
      fields: [
        { id: 1, name: 'id', type: 'long', required: false },
        { id: 2, name: 'event_time', type: 'timestamp', required: false },
      ],
    },
    partitionSpec: {
      'spec-id': 0,
      fields: [{ 'source-id': 2, 'field-id': 1000, name: 'event_time_day', transform: 'day' }],
    },
  });
  const gateway = new SqlGatewayClient({ url: stack.sqlGatewayUrl });
  const batch = {
    executionConfig: {
      'execution.runtime-mode': 'batch',
      'table.dml-sync': 'true',
      'table.local-time-zone': 'UTC',
    },
  };
  const flinkCounts = await gateway.withSession(async (s) => {
    await gateway.executeStatement(
      s,
      `CREATE CATALOG lake WITH ('type'='iceberg','catalog-type'='rest','uri'='${stack.icebergCatalogUrl}')`,
    );
    // Two inserts: 5 days x 7 rows, then 3 more rows on day 2 (a second file in that partition).
    const rows = Array.from(
      { length: 35 },
      (_, i) =>
        `(${i}, TIMESTAMP '2026-11-${String(18 + (i % 5)).padStart(2, '0')} ${String(i % 24).padStart(2, '0')}:00:00')`,
    );
    await gateway.executeStatement(
      s,
      `INSERT INTO lake.${ns}.events VALUES ${rows.join(',')}`,
      batch,
    );
    await gateway.executeStatement(
      s,
      `INSERT INTO lake.${ns}.events VALUES (100, TIMESTAMP '2026-11-20 01:00:00'), (101, TIMESTAMP '2026-11-20 02:00:00'), (102, TIMESTAMP '2026-11-20 03:00:00')`,
      batch,
    );
    const result = await gateway.executeStatement(
      s,
      `SELECT CAST(CAST(event_time AS DATE) AS STRING) AS d, COUNT(*) AS n FROM lake.${ns}.events GROUP BY CAST(event_time AS DATE)`,
      batch,
    );
    return new Map(result.rows.map((r) => [String(r.values.d), Number(r.values.n)]));
  });

  const metadata = (await catalog.loadTable({ namespace: [ns], name: 'events' })).metadata;
  const files = await readSnapshotFiles(metadata, new SchemeFileIO());
  expect(files.deleteFiles).toEqual([]);
  const readerCounts = new Map<string, number>();
  for (const f of files.dataFiles) {
    const day = new Date(Number(f.partition.event_time_day) * DAY).toISOString().slice(0, 10);
    readerCounts.set(day, (readerCounts.get(day) ?? 0) + f.recordCount);
    expect(f.path).toMatch(/\.parquet$/);
    expect(f.fileSizeBytes).toBeGreaterThan(0);
  }
  expect(readerCounts).toEqual(flinkCounts);
  expect([...readerCounts.values()].reduce((a, b) => a + b, 0)).toBe(38);
  expect(
    files.dataFiles.filter((f) => f.partition.event_time_day === Date.parse('2026-11-20') / DAY),
  ).toHaveLength(2);

  // Pruned to event_time < 2026-11-20: only the two earliest days' files remain.
  const pruned = await readSnapshotFiles(metadata, new SchemeFileIO(), {
    where: { column: 'event_time', beforeMs: Date.parse('2026-11-20T00:00:00Z') },
  });
  expect(pruned.dataFiles.reduce((n, f) => n + f.recordCount, 0)).toBe(
    (flinkCounts.get('2026-11-18') ?? 0) + (flinkCounts.get('2026-11-19') ?? 0),
  );
});
