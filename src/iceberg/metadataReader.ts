import { readAvroRecords, toNumber } from './avroFile.ts';
import type { FileIO } from './fileIO.ts';
import { idText } from './losslessJson.ts';
import type { PartitionSpec, Schema, TableMetadata } from './types.ts';

/** A live file of a snapshot, as its manifest describes it. */
export interface DataFileEntry {
  content: 'data' | 'position-deletes' | 'equality-deletes';
  path: string;
  format: string;
  specId: number;
  /** Partition values by partition field name (transform results: e.g. days since epoch for day()). */
  partition: Record<string, unknown>;
  recordCount: number;
  fileSizeBytes: number;
  /** Decoded lower/upper bounds by column name (where the writer recorded them). */
  lowerBounds: Record<string, unknown>;
  upperBounds: Record<string, unknown>;
}

export interface SnapshotFiles {
  snapshotId: string;
  dataFiles: DataFileEntry[];
  deleteFiles: DataFileEntry[];
}

/** Keep only files that may hold rows with `column < before` (partition transform and column bounds). */
export interface LessThanPredicate {
  column: string;
  /** The bound as an instant (timestamp columns) in milliseconds since the epoch. */
  beforeMs: number;
}

const CONTENT = ['data', 'position-deletes', 'equality-deletes'] as const;

/**
 * Lists the live data and delete files of a snapshot (default: current) by reading its manifest
 * list and manifests, optionally pruned by a `column < t` predicate.
 */
export async function readSnapshotFiles(
  metadata: TableMetadata,
  io: Pick<FileIO, 'read'>,
  options: { snapshotId?: string; where?: LessThanPredicate } = {},
): Promise<SnapshotFiles> {
  const wanted =
    options.snapshotId ??
    (metadata['current-snapshot-id'] !== undefined && metadata['current-snapshot-id'] !== null
      ? idText(metadata['current-snapshot-id'])
      : null);
  if (wanted === null || wanted === '-1') return { snapshotId: '', dataFiles: [], deleteFiles: [] };
  const snapshot = (metadata.snapshots ?? []).find((s) => idText(s['snapshot-id']) === wanted);
  if (!snapshot)
    throw new Error(`snapshot ${wanted} is not in the metadata of table ${metadata.location}`);
  const schema =
    (metadata.schemas ?? []).find(
      (s) => s['schema-id'] === (snapshot['schema-id'] ?? metadata['current-schema-id']),
    ) ?? metadata.schemas?.[0];
  if (!schema) throw new Error(`table ${metadata.location} has no schema`);
  const manifests = await readAvroRecords(await io.read(snapshot['manifest-list']));
  const files: DataFileEntry[] = [];
  for (const manifest of manifests) {
    const entries = await readAvroRecords(await io.read(String(manifest.manifest_path)));
    for (const entry of entries) {
      if (toNumber(entry.status) === 2) continue; // deleted in this snapshot: not live
      files.push(
        toEntry(
          entry.data_file as Record<string, unknown>,
          schema,
          toNumber(manifest.partition_spec_id),
        ),
      );
    }
  }
  const kept = options.where
    ? files.filter((f) => mayHoldRowsBefore(f, options.where!, metadata, schema))
    : files;
  return {
    snapshotId: wanted,
    dataFiles: kept.filter((f) => f.content === 'data'),
    deleteFiles: kept.filter((f) => f.content !== 'data'),
  };
}

function toEntry(file: Record<string, unknown>, schema: Schema, specId: number): DataFileEntry {
  const byId = new Map(schema.fields.map((f) => [f.id, f]));
  const bounds = (raw: unknown) =>
    Object.fromEntries(
      ((raw as { key: number; value: Buffer }[] | null) ?? []).flatMap(({ key, value }) => {
        const field = byId.get(key);
        return field ? [[field.name, decodeBound(String(field.type), Buffer.from(value))]] : [];
      }),
    );
  return {
    content: CONTENT[toNumber(file.content)] ?? 'data',
    path: String(file.file_path),
    format: String(file.file_format),
    specId,
    partition: Object.fromEntries(
      Object.entries((file.partition as Record<string, unknown>) ?? {}).map(([k, v]) => [
        k,
        typeof v === 'bigint' ? Number(v) : v,
      ]),
    ),
    recordCount: toNumber(file.record_count),
    fileSizeBytes: toNumber(file.file_size_in_bytes),
    lowerBounds: bounds(file.lower_bounds),
    upperBounds: bounds(file.upper_bounds),
  };
}

/** Iceberg's single-value binary serialization (spec, appendix D) for the common primitive types. */
export function decodeBound(type: string, bytes: Buffer): unknown {
  switch (type) {
    case 'boolean':
      return bytes[0] !== 0;
    case 'int':
    case 'date':
      return bytes.readInt32LE(0);
    case 'long':
    case 'time':
      return bytes.readBigInt64LE(0);
    case 'timestamp':
    case 'timestamptz':
      // microseconds since the epoch → milliseconds (bounds are used for pruning, not display)
      return Number(bytes.readBigInt64LE(0) / 1000n);
    case 'float':
      return bytes.readFloatLE(0);
    case 'double':
      return bytes.readDoubleLE(0);
    case 'string':
      return bytes.toString('utf8');
    default:
      return bytes;
  }
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** False only when the partition value or the column's lower bound proves every row is >= the bound. */
function mayHoldRowsBefore(
  file: DataFileEntry,
  where: LessThanPredicate,
  metadata: TableMetadata,
  schema: Schema,
): boolean {
  const lower = file.lowerBounds[where.column];
  if (typeof lower === 'number' && lower >= where.beforeMs) return false;
  const sourceId = schema.fields.find((f) => f.name === where.column)?.id;
  const spec: PartitionSpec | undefined = (metadata['partition-specs'] ?? []).find(
    (s) => s['spec-id'] === file.specId,
  );
  for (const field of spec?.fields ?? []) {
    if (field['source-id'] !== sourceId) continue;
    const value = file.partition[field.name];
    if (typeof value !== 'number') continue;
    const start =
      field.transform === 'day'
        ? value * DAY_MS
        : field.transform === 'hour'
          ? value * HOUR_MS
          : field.transform === 'identity'
            ? value / 1000
            : null;
    if (start !== null && start >= where.beforeMs) return false;
  }
  return true;
}
