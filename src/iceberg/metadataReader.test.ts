import avro from 'avsc';
import { expect, test } from 'vitest';
import type { FileIO } from './fileIO.ts';
import { decodeBound, readSnapshotFiles } from './metadataReader.ts';
import type { TableMetadata } from './types.ts';

// Minimal Iceberg manifest-list and manifest Avro schemas (field names as the spec names them).
const manifestListType = avro.Type.forSchema({
  type: 'record',
  name: 'manifest_file',
  fields: [
    { name: 'manifest_path', type: 'string' },
    { name: 'partition_spec_id', type: 'int' },
    { name: 'content', type: 'int' },
  ],
});
const manifestType = avro.Type.forSchema({
  type: 'record',
  name: 'manifest_entry',
  fields: [
    { name: 'status', type: 'int' },
    {
      name: 'data_file',
      type: {
        type: 'record',
        name: 'r2',
        fields: [
          { name: 'content', type: 'int' },
          { name: 'file_path', type: 'string' },
          { name: 'file_format', type: 'string' },
          {
            name: 'partition',
            type: {
              type: 'record',
              name: 'r102',
              fields: [{ name: 'event_time_day', type: ['null', 'int'] }],
            },
          },
          { name: 'record_count', type: 'long' },
          { name: 'file_size_in_bytes', type: 'long' },
          {
            name: 'lower_bounds',
            type: [
              'null',
              {
                type: 'array',
                items: {
                  type: 'record',
                  name: 'k126_v127',
                  fields: [
                    { name: 'key', type: 'int' },
                    { name: 'value', type: 'bytes' },
                  ],
                },
              },
            ],
          },
        ],
      },
    },
  ],
});

async function avroFile(type: avro.Type, records: unknown[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const encoder = new avro.streams.BlockEncoder(type);
  encoder.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => encoder.on('end', resolve));
  for (const r of records) encoder.write(r);
  encoder.end();
  await done;
  return Buffer.concat(chunks);
}

const micros = (iso: string) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt(Date.parse(iso)) * 1000n);
  return b;
};
const file = (status: number, path: string, day: number, lower: string, content = 0) => ({
  status,
  data_file: {
    content,
    file_path: path,
    file_format: 'PARQUET',
    partition: { event_time_day: day },
    record_count: 10,
    file_size_in_bytes: 1000,
    lower_bounds: [{ key: 2, value: micros(lower) }],
  },
});

test('live files of a snapshot are read from its manifest list and manifests, and pruned by event_time < t', async () => {
  const files: Record<string, Buffer> = {
    'mem:/list.avro': await avroFile(manifestListType, [
      { manifest_path: 'mem:/m1.avro', partition_spec_id: 0, content: 0 },
    ]),
    'mem:/m1.avro': await avroFile(manifestType, [
      file(1, 'mem:/a.parquet', 20779, '2026-11-22T03:00:00Z'),
      file(0, 'mem:/b.parquet', 20780, '2026-11-23T00:10:00Z'),
      file(2, 'mem:/gone.parquet', 20779, '2026-11-22T00:00:00Z'),
      file(1, 'mem:/deletes.parquet', 20780, '2026-11-23T00:00:00Z', 1),
    ]),
  };
  const io: Pick<FileIO, 'read'> = { read: async (location) => files[location]! };
  const metadata = {
    location: 'mem:/t',
    'current-snapshot-id': 5,
    'current-schema-id': 0,
    schemas: [
      {
        type: 'struct',
        'schema-id': 0,
        fields: [
          { id: 1, name: 'id', type: 'long', required: false },
          { id: 2, name: 'event_time', type: 'timestamp', required: false },
        ],
      },
    ],
    'partition-specs': [
      {
        'spec-id': 0,
        fields: [{ 'source-id': 2, 'field-id': 1000, name: 'event_time_day', transform: 'day' }],
      },
    ],
    snapshots: [{ 'snapshot-id': 5, 'timestamp-ms': 0, 'manifest-list': 'mem:/list.avro' }],
  } as unknown as TableMetadata;

  const all = await readSnapshotFiles(metadata, io);
  expect(all.snapshotId).toBe('5');
  expect(all.dataFiles.map((f) => f.path)).toEqual(['mem:/a.parquet', 'mem:/b.parquet']);
  expect(all.deleteFiles.map((f) => [f.path, f.content])).toEqual([
    ['mem:/deletes.parquet', 'position-deletes'],
  ]);
  expect(all.dataFiles[0]).toMatchObject({
    partition: { event_time_day: 20779 },
    recordCount: 10,
    fileSizeBytes: 1000,
    lowerBounds: { event_time: Date.parse('2026-11-22T03:00:00Z') },
  });

  const pruned = await readSnapshotFiles(metadata, io, {
    where: { column: 'event_time', beforeMs: Date.parse('2026-11-23T00:00:00Z') },
  });
  expect(pruned.dataFiles.map((f) => f.path)).toEqual(['mem:/a.parquet']);
});

test('bounds decode by Iceberg single-value serialization', () => {
  const i = Buffer.alloc(4);
  i.writeInt32LE(-7);
  expect(decodeBound('int', i)).toBe(-7);
  expect(decodeBound('string', Buffer.from('DE'))).toBe('DE');
  expect(decodeBound('timestamp', micros('2026-11-22T03:00:00Z'))).toBe(
    Date.parse('2026-11-22T03:00:00Z'),
  );
});
