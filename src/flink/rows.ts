import { JsonNumber } from './losslessJson.ts';

/** A column's logical type as the SQL Gateway describes it. */
export interface LogicalType {
  type: string;
  nullable?: boolean;
  precision?: number;
  scale?: number;
  length?: number;
  elementType?: LogicalType;
  keyType?: LogicalType;
  valueType?: LogicalType;
  fields?: { name: string; fieldType: LogicalType }[];
}

export interface Column {
  name: string;
  logicalType: LogicalType;
}

export type RowKind = 'INSERT' | 'UPDATE_BEFORE' | 'UPDATE_AFTER' | 'DELETE';

/**
 * A value converted from the JSON row format:
 * TINYINT/SMALLINT/INTEGER/FLOAT/DOUBLE → number; BIGINT → bigint (exact);
 * DECIMAL → string with the exact digits; CHAR/VARCHAR → string; BOOLEAN → boolean;
 * DATE/TIME/TIMESTAMP → ISO text as Flink prints it (TIMESTAMP_LTZ ends in 'Z'), kept as text so
 * precisions beyond milliseconds survive; BINARY/VARBINARY → Uint8Array; ARRAY → array;
 * MAP → Map; ROW → object by field name; NULL → null.
 */
export type SqlValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | SqlValue[]
  | Map<SqlValue, SqlValue>
  | { [field: string]: SqlValue };

export interface Row {
  kind: RowKind;
  /** Values by column name. */
  values: Record<string, SqlValue>;
  /** Values in column order. */
  fields: SqlValue[];
}

/** Converts one raw JSON value by its column type. */
export function convertValue(raw: unknown, type: LogicalType): SqlValue {
  if (raw === null || raw === undefined) return null;
  const number = raw instanceof JsonNumber ? raw.text : undefined;
  switch (type.type) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INTEGER':
    case 'FLOAT':
    case 'DOUBLE':
      return number !== undefined ? Number(number) : Number(raw);
    case 'BIGINT':
      return BigInt(number ?? String(raw));
    case 'DECIMAL':
      return number ?? String(raw);
    case 'BOOLEAN':
      return Boolean(raw);
    case 'BINARY':
    case 'VARBINARY':
      return new Uint8Array(Buffer.from(String(raw), 'base64'));
    case 'ARRAY':
    case 'MULTISET':
      return (raw as unknown[]).map((v) =>
        convertValue(v, type.elementType ?? { type: 'VARCHAR' }),
      );
    case 'MAP':
      return new Map(
        Object.entries(raw as Record<string, unknown>).map(([k, v]) => [
          convertValue(k, type.keyType ?? { type: 'VARCHAR' }),
          convertValue(v, type.valueType ?? { type: 'VARCHAR' }),
        ]),
      );
    case 'ROW':
    case 'STRUCTURED_TYPE':
      return Object.fromEntries(
        (type.fields ?? []).map((f) => [
          f.name,
          convertValue((raw as Record<string, unknown>)[f.name], f.fieldType),
        ]),
      );
    default:
      return number ?? String(raw);
  }
}

/** Converts a page's rows (`{kind, fields}`) by the page's columns. */
export function convertRows(
  columns: Column[],
  data: { kind: RowKind; fields: unknown[] }[],
): Row[] {
  return data.map((row) => {
    const fields = columns.map((c, i) => convertValue(row.fields[i], c.logicalType));
    return {
      kind: row.kind,
      fields,
      values: Object.fromEntries(columns.map((c, i) => [c.name, fields[i] ?? null])),
    };
  });
}
