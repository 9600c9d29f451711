import {
  Bool,
  DateDay,
  Decimal,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  makeData,
  makeVector,
  Table,
  tableToIPC,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { numericTypmod, PG_OID } from './pgTypes.ts';
import type { SqlResult } from './sqlRunner.ts';
import type { DescribedColumn } from './unionViews.ts';

/** ISO-like text of a PostgreSQL timestamp ('2026-11-24 10:00:00' → '2026-11-24T10:00:00'). */
function isoTimestamp(text: string): string {
  return text.replace(' ', 'T');
}

/** A JSON value for the HTTP results: integers beyond 2^53 and every decimal stay exact text. */
export function jsonValue(column: DescribedColumn, text: string | null): unknown {
  if (text === null) return null;
  switch (column.oid) {
    case PG_OID.bool:
      return text === 't';
    case PG_OID.int2:
    case PG_OID.int4:
      return Number(text);
    case PG_OID.int8:
      return Number.isSafeInteger(Number(text)) ? Number(text) : text;
    case PG_OID.float4:
    case PG_OID.float8:
      return Number.isFinite(Number(text)) ? Number(text) : text;
    case PG_OID.timestamp:
    case PG_OID.timestamptz:
      return isoTimestamp(text);
    default:
      return text;
  }
}

/** Unscaled integer of a decimal text at `scale` digits ('12.5', 2 → 1250n). */
function unscaled(text: string, scale: number): bigint {
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = text.replace(/^[-+]/, '').split('.');
  const digits = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
  return negative ? -digits : digits;
}

/** Arrow decimal128 vector from exact decimal texts (apache-arrow builds none from values). */
function decimalVector(texts: (string | null)[], typmod: number): Vector {
  const declared = numericTypmod(typmod);
  // An unconstrained numeric (sum() of a decimal) takes the largest scale its values have.
  const scale =
    declared?.scale ??
    Math.max(0, ...texts.map((t) => (t && t.includes('.') ? t.split('.')[1]!.length : 0)));
  const precision = declared?.precision ?? 38;
  const words = new Uint32Array(texts.length * 4);
  const validity = new Uint8Array(Math.ceil(texts.length / 8));
  let nulls = 0;
  texts.forEach((text, i) => {
    if (text === null) {
      nulls++;
      return;
    }
    validity[i >> 3]! |= 1 << (i & 7);
    let value = BigInt.asUintN(128, unscaled(text, scale));
    for (let w = 0; w < 4; w++) {
      words[i * 4 + w] = Number(value & 0xffffffffn);
      value >>= 32n;
    }
  });
  return makeVector(
    makeData({
      type: new Decimal(scale, precision, 128),
      length: texts.length,
      nullCount: nulls,
      nullBitmap: validity,
      data: words,
    }),
  );
}

function arrowColumn(column: DescribedColumn, texts: (string | null)[]): Vector {
  const typed = <T extends DataType>(type: T, convert: (t: string) => unknown) =>
    vectorFromArray(texts.map((t) => (t === null ? null : convert(t))) as never[], type);
  switch (column.oid) {
    case PG_OID.numeric:
      return decimalVector(texts, column.typmod);
    case PG_OID.bool:
      return typed(new Bool(), (t) => t === 't');
    case PG_OID.int2:
      return typed(new Int16(), Number);
    case PG_OID.int4:
      return typed(new Int32(), Number);
    case PG_OID.int8:
      return typed(new Int64(), (t) => BigInt(t));
    case PG_OID.float4:
      return typed(new Float32(), Number);
    case PG_OID.float8:
      return typed(new Float64(), Number);
    case PG_OID.date:
      return typed(new DateDay(), (t) => new Date(`${t}T00:00:00Z`));
    case PG_OID.timestamp:
      return typed(new TimestampMillisecond(), (t) => Date.parse(`${isoTimestamp(t)}Z`));
    case PG_OID.timestamptz:
      return typed(new TimestampMillisecond('UTC'), (t) =>
        Date.parse(isoTimestamp(t).replace(/([+-]\d\d)$/, '$1:00')),
      );
    default:
      return typed(new Utf8(), (t) => t);
  }
}

/** An Arrow IPC stream of a result with real types: decimal128, timestamps, dates, integers. */
export function arrowStream(result: SqlResult): Uint8Array {
  const vectors: Record<string, Vector> = {};
  result.columns.forEach((column, i) => {
    vectors[column.name] = arrowColumn(
      column,
      result.rows.map((r) => r[i] ?? null),
    );
  });
  return tableToIPC(new Table(vectors), 'stream');
}
