import { ServingError } from './errors.ts';

/** PostgreSQL's type for a Flink SQL column type (what the batch and speed tables are made of). */
export function postgresType(flinkType: string): string {
  const t = flinkType.trim().toUpperCase();
  const decimal = /^DECIMAL\s*\((\d+)\s*,\s*(\d+)\)$/.exec(t);
  if (decimal) return `numeric(${decimal[1]},${decimal[2]})`;
  const timestamp = /^TIMESTAMP(?:\((\d)\))?$/.exec(t);
  if (timestamp) return `timestamp(${Math.min(6, Number(timestamp[1] ?? 6))})`;
  const ltz = /^TIMESTAMP(?:\((\d)\))? WITH LOCAL TIME ZONE$|^TIMESTAMP_LTZ(?:\((\d)\))?$/.exec(t);
  if (ltz) return `timestamptz(${Math.min(6, Number(ltz[1] ?? ltz[2] ?? 6))})`;
  if (t === 'STRING' || t.startsWith('VARCHAR') || t.startsWith('CHAR')) return 'text';
  const simple: Record<string, string> = {
    INT: 'integer',
    INTEGER: 'integer',
    BIGINT: 'bigint',
    SMALLINT: 'smallint',
    TINYINT: 'smallint',
    DOUBLE: 'double precision',
    FLOAT: 'real',
    BOOLEAN: 'boolean',
    DATE: 'date',
  };
  const found = simple[t];
  if (found) return found;
  throw new ServingError(
    'unsupported-type',
    `column type ${flinkType} is not served: use a numeric, decimal, string, boolean, date or timestamp type`,
  );
}

/** PostgreSQL type OIDs serving reports (pg_type.oid; stable across versions). */
export const PG_OID = {
  bool: 16,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  float4: 700,
  float8: 701,
  varchar: 1043,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
} as const;

/** precision and scale of a numeric column from its type modifier; null when unconstrained. */
export function numericTypmod(typmod: number): { precision: number; scale: number } | null {
  if (typmod < 4) return null;
  return { precision: ((typmod - 4) >> 16) & 0xffff, scale: (typmod - 4) & 0xffff };
}

/** A readable type name for a result column (HTTP results' schema). */
export function typeName(oid: number, typmod: number): string {
  switch (oid) {
    case PG_OID.bool:
      return 'BOOLEAN';
    case PG_OID.int2:
      return 'SMALLINT';
    case PG_OID.int4:
      return 'INTEGER';
    case PG_OID.int8:
      return 'BIGINT';
    case PG_OID.float4:
      return 'FLOAT';
    case PG_OID.float8:
      return 'DOUBLE';
    case PG_OID.numeric: {
      const n = numericTypmod(typmod);
      return n ? `DECIMAL(${n.precision},${n.scale})` : 'DECIMAL';
    }
    case PG_OID.date:
      return 'DATE';
    case PG_OID.timestamp:
      return 'TIMESTAMP';
    case PG_OID.timestamptz:
      return 'TIMESTAMPTZ';
    default:
      return 'VARCHAR';
  }
}

/** Iceberg's type for a result column (the schema stored with a dataset's Iceberg view). */
export function icebergType(oid: number, typmod: number): string {
  switch (oid) {
    case PG_OID.bool:
      return 'boolean';
    case PG_OID.int2:
    case PG_OID.int4:
      return 'int';
    case PG_OID.int8:
      return 'long';
    case PG_OID.float4:
      return 'float';
    case PG_OID.float8:
      return 'double';
    case PG_OID.numeric: {
      const n = numericTypmod(typmod);
      return n ? `decimal(${n.precision}, ${n.scale})` : 'decimal(38, 10)';
    }
    case PG_OID.date:
      return 'date';
    case PG_OID.timestamp:
      return 'timestamp';
    case PG_OID.timestamptz:
      return 'timestamptz';
    default:
      return 'string';
  }
}

/** Iceberg's type for a Flink SQL column type of a union view. */
export function icebergTypeOfFlink(flinkType: string): string {
  const pgType = postgresType(flinkType);
  const decimal = /^numeric\((\d+),(\d+)\)$/.exec(pgType);
  if (decimal) return `decimal(${decimal[1]}, ${decimal[2]})`;
  if (pgType.startsWith('timestamptz')) return 'timestamptz';
  if (pgType.startsWith('timestamp')) return 'timestamp';
  const simple: Record<string, string> = {
    integer: 'int',
    smallint: 'int',
    bigint: 'long',
    'double precision': 'double',
    real: 'float',
    boolean: 'boolean',
    date: 'date',
  };
  return simple[pgType] ?? 'string';
}
