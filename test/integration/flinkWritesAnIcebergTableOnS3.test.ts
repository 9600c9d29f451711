import { expect, test } from 'vitest';
import { readSnapshotFiles, S3FileIO, type TableMetadata } from '../../src/iceberg/index.ts';
import { localS3Client } from '../../src/stack/services/s3.ts';
import { SmokeGatewaySession, waitForJobState } from './support/gatewaySession.ts';
import { stackEndpoints } from './stack.ts';

const stack = stackEndpoints();

// Only on a stack in the S3 warehouse mode (`stack up --s3` or LAMBDALAKE_S3=1 before the run).
test.skipIf(stack.s3 === null)(
  'a streaming Flink job writes an Iceberg table on s3://, checkpoints and savepoints there; the catalog, the S3 reader and a batch query see the same rows',
  async () => {
    const s3 = stack.s3!;
    const ns = `s3_smoke_${Date.now()}`;
    const session = await SmokeGatewaySession.open(stack.sqlGatewayUrl);
    const s3Client = localS3Client(s3);
    try {
      // Only uri and warehouse, as the control plane's compiler writes it: S3FileIO, endpoint and
      // keys reach Flink as defaults in the catalog's /v1/config answer.
      await session.run(
        `CREATE CATALOG lake WITH ('type'='iceberg','catalog-type'='rest','uri'='${stack.icebergCatalogUrl}','warehouse'='${stack.warehouseUri}')`,
      );
      await session.run(`CREATE DATABASE lake.${ns}`);
      await session.run(`CREATE TABLE lake.${ns}.clicks (id BIGINT, amount INT)`);
      // Random ids, not datagen's `sequence` kind: that one holds its whole range on the heap (a
      // 1..1e8 sequence drove the TaskManager into back-to-back full GCs).
      await session.run(
        `CREATE TEMPORARY TABLE gen (id BIGINT, amount INT) WITH ('connector'='datagen','rows-per-second'='50','fields.amount.min'='1','fields.amount.max'='9')`,
      );
      const insert = await session.run(`INSERT INTO lake.${ns}.clicks SELECT id, amount FROM gen`, {
        'execution.runtime-mode': 'streaming',
        'execution.checkpointing.interval': '2s',
      });
      const jobId = insert.jobId!;
      expect(jobId).toMatch(/^[0-9a-f]{32}$/);

      const checkpoint = await waitFor('a completed checkpoint', async () => {
        const body = (await (
          await fetch(`${stack.flinkRestUrl}/jobs/${jobId}/checkpoints`)
        ).json()) as { latest?: { completed?: { external_path?: string } | null } };
        return body.latest?.completed?.external_path;
      });
      expect(checkpoint).toMatch(
        new RegExp(`^${stack.checkpointsUri}/checkpoints/${jobId}/chk-\\d+$`),
      );
      const table = await waitFor('an Iceberg snapshot committed on checkpoint', async () => {
        const loaded = (await (
          await fetch(`${stack.icebergCatalogUrl}/v1/namespaces/${ns}/tables/clicks`)
        ).json()) as { 'metadata-location': string; metadata: TableMetadata };
        return (loaded.metadata.snapshots ?? []).length > 0 ? loaded : undefined;
      });
      // Stop with a savepoint into the configured savepoint folder, on the bucket too.
      const stop = (await (
        await fetch(`${stack.flinkRestUrl}/jobs/${jobId}/stop`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ drain: false }),
        })
      ).json()) as { 'request-id': string };
      const savepoint = await waitFor('a completed savepoint', async () => {
        const body = (await (
          await fetch(`${stack.flinkRestUrl}/jobs/${jobId}/savepoints/${stop['request-id']}`)
        ).json()) as { status: { id: string }; operation?: { location?: string } };
        return body.status.id === 'COMPLETED' ? (body.operation?.location ?? '') : undefined;
      });
      expect(savepoint).toMatch(new RegExp(`^${stack.checkpointsUri}/savepoints/savepoint-`));
      expect(await waitForJobState(stack.flinkRestUrl, jobId, ['FINISHED', 'FAILED'])).toBe(
        'FINISHED',
      );

      // The catalog keeps the table in the bucket; src/iceberg's S3FileIO reads its manifests there.
      expect(table['metadata-location']).toMatch(
        new RegExp(`^${stack.warehouseUri}/${ns}/clicks/`),
      );
      const files = await readSnapshotFiles(table.metadata, new S3FileIO(s3Client));
      expect(files.dataFiles.length).toBeGreaterThan(0);
      for (const file of files.dataFiles)
        expect(file.path).toMatch(new RegExp(`^s3://${s3.bucket}/warehouse/${ns}/clicks/data/`));
      const filesCount = files.dataFiles.reduce((sum, f) => sum + f.recordCount, 0);
      const current = table.metadata.snapshots!.find(
        (s) => String(s['snapshot-id']) === String(table.metadata['current-snapshot-id']),
      );
      expect(filesCount).toBe(Number(current?.summary?.['total-records']));

      // Flink reads the same snapshot back in batch mode (it may have committed one more since).
      const read = await session.run(`SELECT COUNT(*) FROM lake.${ns}.clicks`, {
        'execution.runtime-mode': 'batch',
      });
      expect(Number(read.rows[0]?.[0])).toBeGreaterThanOrEqual(filesCount);
    } finally {
      s3Client.destroy();
      await session.close();
    }
  },
);

/** Polls `check` until it returns a value, for at most `timeoutMs`; the error names what it waited for. */
async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no ${what} within ${timeoutMs / 1000}s`);
}
