import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  IcebergCatalogClient,
  localDataFiles,
  readSnapshotFiles,
  type DataFileEntry,
} from '../../iceberg/index.ts';
import { LEDGER } from '../compiler/ledger.ts';
import type { MasterLedger, TableRef } from '../protocol/ports.ts';

/**
 * The master's ledger columns read from a pinned snapshot's data files with DuckDB. Only files
 * whose column bounds (from the manifests) may hold one of the wanted partitions at an offset at
 * or above the wanted one are read: usually the newest file or two, so the proof costs little
 * however long the history is.
 */
export class DuckDbMasterLedger implements MasterLedger {
  constructor(private readonly catalog: IcebergCatalogClient) {}

  async highestOffsets(
    master: TableRef,
    snapshotId: string,
    topic: string,
    from: Record<number, string>,
  ): Promise<{
    highest: Record<number, string | null>;
    filesRead: number;
    unledgeredFiles: number;
  }> {
    const meta = (
      await this.catalog.loadTable({ namespace: [master.namespace], name: master.name })
    ).metadata;
    // Local files are read in place; s3:// ones are copied to a temporary folder first.
    const io = await this.catalog.fileIO();
    const { dataFiles } = await readSnapshotFiles(meta, io, { snapshotId });
    const wanted = Object.entries(from).map(([p, o]) => ({
      partition: Number(p),
      from: BigInt(o),
    }));
    const unledgeredFiles = dataFiles.filter(
      (f) => f.recordCount > 0 && f.upperBounds[LEDGER.offset] === undefined,
    ).length;
    const files = dataFiles.filter(
      (f) => f.upperBounds[LEDGER.offset] !== undefined && wanted.some((w) => mayHold(f, topic, w)),
    );
    const highest: Record<number, string | null> = Object.fromEntries(
      wanted.map((w) => [w.partition, null]),
    );
    if (files.length === 0) return { highest, filesRead: 0, unledgeredFiles };
    const folder = await mkdtemp(join(tmpdir(), 'lambdalake-ledger-'));
    const where = wanted
      .map((w) => `(${LEDGER.partition} = ${w.partition} AND ${LEDGER.offset} >= ${w.from})`)
      .join(' OR ');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const paths = await localDataFiles(
        io,
        files.map((f) => f.path),
        folder,
      );
      const list = paths.map(quote).join(', ');
      const rows = (
        await connection.runAndReadAll(
          `SELECT ${LEDGER.partition} AS p, CAST(max(${LEDGER.offset}) AS VARCHAR) AS o FROM read_parquet([${list}], union_by_name = true) WHERE ${LEDGER.topic} = ${quote(topic)} AND (${where}) GROUP BY 1`,
        )
      ).getRowObjectsJson();
      for (const row of rows) highest[Number(row.p)] = String(row.o);
    } finally {
      connection.closeSync();
      instance.closeSync();
      await rm(folder, { recursive: true, force: true });
    }
    return { highest, filesRead: files.length, unledgeredFiles };
  }
}

/** False only when the file's bounds prove it holds no row of `topic` at partition ≥ offset. */
function mayHold(
  file: DataFileEntry,
  topic: string,
  wanted: { partition: number; from: bigint },
): boolean {
  const lo = file.lowerBounds;
  const hi = file.upperBounds;
  if (typeof lo[LEDGER.topic] === 'string' && typeof hi[LEDGER.topic] === 'string')
    if (topic < String(lo[LEDGER.topic]) || topic > String(hi[LEDGER.topic])) return false;
  const pLo = lo[LEDGER.partition];
  const pHi = hi[LEDGER.partition];
  if (typeof pLo === 'number' && typeof pHi === 'number')
    if (wanted.partition < pLo || wanted.partition > pHi) return false;
  const oHi = hi[LEDGER.offset];
  if (typeof oHi === 'bigint' && oHi < wanted.from) return false;
  return true;
}

function quote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
