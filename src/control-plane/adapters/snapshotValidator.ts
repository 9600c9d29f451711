import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { IcebergCatalogClient, localDataFiles, readSnapshotFiles } from '../../iceberg/index.ts';
import type { MetricRuntime, SnapshotValidator, TableRef } from '../protocol/ports.ts';
import type { QualityCheck } from '../definitions/schema.ts';
import { judgeRowCheck } from '../protocol/quality.ts';

/**
 * Validates a batch view snapshot before publication, reading its data files with DuckDB (found
 * through the Iceberg metadata, not through Flink; copied to a temporary folder first when the
 * warehouse is on S3, since DuckDB's httpfs extension is not installed): every quality check of the definition holds,
 * `min_rows` included once the master has rows below the cutover. There is no implicit "rows must
 * exist" rule: a metric that matches nothing yet publishes an empty batch side.
 */
export class DuckDbSnapshotValidator implements SnapshotValidator {
  constructor(
    private readonly catalog: IcebergCatalogClient,
    private readonly checksOf: (metric: string) => QualityCheck[],
  ) {}

  async validate(
    metric: MetricRuntime,
    table: TableRef,
    snapshotId: string,
    context?: { cutoverMs: number },
  ): Promise<string[]> {
    const io = await this.catalog.fileIO();
    const meta = (await this.catalog.loadTable({ namespace: [table.namespace], name: table.name }))
      .metadata;
    const files = snapshotId
      ? await readSnapshotFiles(meta, io, { snapshotId })
      : { dataFiles: [] };
    const failures: string[] = [];
    const rows = files.dataFiles.reduce((n, f) => n + f.recordCount, 0);
    const checks = this.checksOf(metric.metric);
    const minRows = Math.max(0, ...checks.map((c) => (c.check === 'min_rows' ? c.value : 0)));
    if (rows < minRows && context) {
      // An empty view is valid (a filter that matches nothing yet, a HAVING, refunds): only a
      // declared min_rows asks for rows, and an empty master below the cutover (a first deploy)
      // excuses it.
      const master = (
        await this.catalog.loadTable({
          namespace: [metric.masterTable.namespace],
          name: metric.masterTable.name,
        })
      ).metadata;
      const below = await readSnapshotFiles(master, io, {
        where: { column: metric.sourceEventTime, beforeMs: context.cutoverMs },
      });
      const sourceHasRows = below.dataFiles.some((f) => f.recordCount > 0);
      if (sourceHasRows && rows < minRows)
        failures.push(`min_rows: ${rows} row(s), at least ${minRows} required`);
    }
    const valueChecks = checks.filter((c) => c.check !== 'min_rows');
    if (rows === 0 || valueChecks.length === 0) return failures;
    const folder = await mkdtemp(join(tmpdir(), 'lambdalake-validate-'));
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const paths = await localDataFiles(
        io,
        files.dataFiles.map((f) => f.path),
        folder,
      );
      const list = paths.map((p) => `'${p.replace(/'/g, "''")}'`).join(', ');
      for (const check of checks) {
        if (check.check === 'min_rows') {
          if (rows < check.value)
            failures.push(`min_rows: ${rows} row(s), at least ${check.value} required`);
          continue;
        }
        const condition =
          check.check === 'not_null'
            ? (c: string) => `"${c}" IS NULL`
            : (c: string) => `"${c}" < 0`;
        const sql = `SELECT ${check.columns.map((c) => `count(*) FILTER (WHERE ${condition(c)}) AS "${c}"`).join(', ')} FROM read_parquet([${list}])`;
        const [counts] = (await connection.runAndReadAll(sql)).getRowObjectsJson();
        for (const column of check.columns) {
          const bad = Number(counts?.[column] ?? 0);
          if (bad === 0) continue;
          const examples = (
            await connection.runAndReadAll(
              `SELECT * FROM read_parquet([${list}]) WHERE ${condition(column)} LIMIT 3`,
            )
          ).getRowObjectsJson();
          const failure = judgeRowCheck(check, column, bad, rows, examples);
          if (failure) failures.push(failure);
        }
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
      await rm(folder, { recursive: true, force: true });
    }
    return failures;
  }
}
