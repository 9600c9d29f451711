/**
 * The Postgres type a client is told for each DuckDB type, in one table: the wire's RowDescription
 * and the pg_catalog shims (what JDBC's getColumns and psql's `\d` read) must agree, or a driver
 * sees one type in the metadata and another in the result set. Wider unsigned and 128-bit integers
 * are numeric: they do not fit the signed Postgres integer of the same width.
 */
interface PgType {
  oid: number;
  /** format_type's spelling. */
  name: string;
  /** DuckDB type names, as `columnType().toString()` and duckdb_columns().data_type give them. */
  duck: string[];
  /** Or a prefix of them (parameterised and precision variants). */
  duckPrefix?: string;
}

const PG_TYPES: PgType[] = [
  { oid: 16, name: 'boolean', duck: ['BOOLEAN'] },
  { oid: 21, name: 'smallint', duck: ['TINYINT', 'SMALLINT', 'UTINYINT'] },
  { oid: 23, name: 'integer', duck: ['INTEGER', 'USMALLINT'] },
  { oid: 20, name: 'bigint', duck: ['BIGINT', 'UINTEGER'] },
  { oid: 700, name: 'real', duck: ['FLOAT', 'REAL'] },
  { oid: 701, name: 'double precision', duck: ['DOUBLE'] },
  { oid: 1700, name: 'numeric', duck: ['HUGEINT', 'UBIGINT', 'UHUGEINT'], duckPrefix: 'DECIMAL' },
  { oid: 1043, name: 'character varying', duck: ['VARCHAR'] },
  { oid: 1082, name: 'date', duck: ['DATE'] },
  { oid: 1083, name: 'time without time zone', duck: ['TIME'] },
  {
    oid: 1184,
    name: 'timestamp with time zone',
    duck: ['TIMESTAMPTZ'],
    duckPrefix: 'TIMESTAMP WITH TIME ZONE',
  },
  { oid: 1114, name: 'timestamp without time zone', duck: [], duckPrefix: 'TIMESTAMP' },
  { oid: 1186, name: 'interval', duck: ['INTERVAL'] },
  { oid: 17, name: 'bytea', duck: ['BLOB'] },
  { oid: 2950, name: 'uuid', duck: ['UUID'] },
];
const TEXT = { oid: 25, name: 'text' };

/** The Postgres type OID a client sees for a DuckDB column type. */
export function pgTypeOid(duckType: string): number {
  const t = duckType.toUpperCase();
  const found = PG_TYPES.find(
    (p) => p.duck.includes(t) || (p.duckPrefix !== undefined && t.startsWith(p.duckPrefix)),
  );
  return (found ?? TEXT).oid;
}

/** The same mapping as a SQL expression over a column holding DuckDB type names. */
export function pgTypeOidSql(column: string): string {
  const whens = PG_TYPES.map((p) => {
    const tests = [
      ...(p.duck.length > 0 ? [`${column} IN (${p.duck.map((d) => `'${d}'`).join(', ')})`] : []),
      ...(p.duckPrefix !== undefined ? [`${column} LIKE '${p.duckPrefix}%'`] : []),
    ];
    return `WHEN ${tests.join(' OR ')} THEN ${p.oid}`;
  });
  return `CASE ${whens.join(' ')} ELSE ${TEXT.oid} END`;
}

/** Postgres's format_type(oid, typmod) for these types, as a SQL expression. */
export function pgFormatTypeSql(oid: string, typmod: string): string {
  const names = PG_TYPES.filter((p) => p.oid !== 1700)
    .map((p) => `WHEN ${p.oid} THEN '${p.name}'`)
    .join(' ');
  // numeric carries precision and scale in its typmod: ((precision << 16) | scale) + 4.
  const numeric = `CASE WHEN ${typmod} > 4 THEN 'numeric(' || ((${typmod} - 4) >> 16) || ',' || ((${typmod} - 4) & 65535) || ')' ELSE 'numeric' END`;
  return `CASE ${oid} WHEN 1700 THEN ${numeric} ${names} ELSE '${TEXT.name}' END`;
}
