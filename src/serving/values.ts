import { DuckDBDecimalValue, DuckDBTimestampValue, type DuckDBValue } from '@duckdb/node-api';
import {
  Bool,
  Float64,
  Int32,
  Int64,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
  tableToIPC,
  Table,
  type DataType,
  type Vector,
} from 'apache-arrow';
import type { QueryColumn } from './engine.ts';

/** Postgres text format of a DuckDB value (what psql and drivers parse). */
export function pgText(value: DuckDBValue): string | null {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return String(value);
}

/** JSON value for the HTTP results: exact numbers beyond 2^53 and decimals stay text. */
export function jsonValue(value: DuckDBValue): unknown {
  if (value === null) return null;
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof DuckDBDecimalValue) return value.toString();
  if (value instanceof DuckDBTimestampValue) return value.toString().replace(' ', 'T');
  if (typeof value === 'object') return String(value);
  return value;
}

function arrowType(duckType: string): DataType {
  const t = duckType.toUpperCase();
  if (t === 'BIGINT' || t === 'HUGEINT' || t === 'UBIGINT') return new Int64();
  if (t === 'INTEGER' || t === 'SMALLINT' || t === 'TINYINT') return new Int32();
  if (t === 'DOUBLE' || t === 'FLOAT' || t === 'REAL') return new Float64();
  if (t === 'BOOLEAN') return new Bool();
  if (t.startsWith('TIMESTAMP')) return new TimestampMillisecond();
  // Decimals travel as exact text: apache-arrow's JS Decimal support cannot build vectors from values.
  return new Utf8();
}

function arrowValue(value: DuckDBValue, type: DataType): unknown {
  if (value === null) return null;
  if (type instanceof Int64) return typeof value === 'bigint' ? value : BigInt(String(value));
  if (type instanceof Int32 || type instanceof Float64) return Number(value);
  if (type instanceof TimestampMillisecond && value instanceof DuckDBTimestampValue)
    return Number(value.micros / 1000n);
  if (type instanceof Bool) return Boolean(value);
  return String(value);
}

/** An Arrow IPC stream of a result (application/vnd.apache.arrow.stream). */
export function arrowStream(columns: QueryColumn[], rows: DuckDBValue[][]): Uint8Array {
  const vectors: Record<string, Vector> = {};
  columns.forEach((c, i) => {
    const type = arrowType(c.type);
    vectors[c.name] = vectorFromArray(
      rows.map((r) => arrowValue(r[i] ?? null, type)) as never[],
      type,
    );
  });
  return tableToIPC(new Table(vectors), 'stream');
}
