import avro from 'avsc';
import { Readable } from 'node:stream';

/**
 * Decodes every record of an Avro object container file held in memory, with the writer schema
 * embedded in the file (Iceberg manifests and manifest lists are such files). Longs beyond 2^53
 * (snapshot ids) are decoded as bigint.
 */
export async function readAvroRecords(bytes: Buffer): Promise<Record<string, unknown>[]> {
  const longType = avro.types.LongType.__with({
    fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
    toBuffer: (n: bigint) => {
      const buf = Buffer.alloc(8);
      buf.writeBigInt64LE(n);
      return buf;
    },
    fromJSON: BigInt,
    toJSON: Number,
    isValid: (n: unknown) => typeof n === 'bigint',
    compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
  });
  const decoder = new avro.streams.BlockDecoder({
    parseHook: (schema) =>
      avro.Type.forSchema(schema as avro.Schema, {
        registry: { long: longType },
        wrapUnions: false,
      }),
  });
  const records: Record<string, unknown>[] = [];
  await new Promise<void>((resolve, reject) => {
    decoder.on('data', (record: Record<string, unknown>) => records.push(record));
    decoder.on('end', resolve);
    decoder.on('error', reject);
    Readable.from([bytes]).pipe(decoder);
  });
  return records;
}

/** A bigint or number from Avro as a JS number (safe for counts and sizes). */
export function toNumber(value: unknown): number {
  return typeof value === 'bigint' ? Number(value) : Number(value ?? 0);
}
