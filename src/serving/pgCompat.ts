/**
 * psql and JDBC drivers describe tables with Postgres-only syntax; DuckDB has pg_catalog views but
 * not every spelling. These rewrites turn the spellings they use into ones DuckDB accepts.
 */
import { INTERNAL_SCHEMA as INTERNAL } from './internalSchema.ts';

/** Postgres type OIDs by DuckDB column type, as clients expect them in pg_attribute.atttypid. */
const PG_TYPE_OID = `CASE
  WHEN data_type = 'BOOLEAN' THEN 16
  WHEN data_type IN ('TINYINT', 'SMALLINT', 'UTINYINT') THEN 21
  WHEN data_type IN ('INTEGER', 'USMALLINT') THEN 23
  WHEN data_type IN ('BIGINT', 'UINTEGER') THEN 20
  WHEN data_type = 'FLOAT' THEN 700
  WHEN data_type = 'DOUBLE' THEN 701
  WHEN data_type LIKE 'DECIMAL%' OR data_type IN ('HUGEINT', 'UBIGINT', 'UHUGEINT') THEN 1700
  WHEN data_type = 'VARCHAR' THEN 1043
  WHEN data_type = 'DATE' THEN 1082
  WHEN data_type = 'TIME' THEN 1083
  WHEN data_type LIKE 'TIMESTAMP WITH TIME ZONE%' THEN 1184
  WHEN data_type LIKE 'TIMESTAMP%' THEN 1114
  WHEN data_type = 'INTERVAL' THEN 1186
  WHEN data_type = 'BLOB' THEN 17
  WHEN data_type = 'UUID' THEN 2950
  ELSE 25 END`;

/**
 * DuckDB's pg_catalog.pg_attribute gives DuckDB's own type ids as atttypid, which match no row of
 * its pg_type (Postgres OIDs): JDBC's getColumns joins the two and lost columns or named the wrong
 * types. These objects, in lambdalake's internal schema, give Postgres OIDs and typmods, a
 * format_type that reads them, and a pg_namespace without the internal schema; client catalog
 * queries are pointed at them by the rewrites below.
 */
export const PG_CATALOG_COMPAT_SETUP: string[] = [
  `CREATE OR REPLACE VIEW ${INTERNAL}.pg_attribute AS
   SELECT table_oid AS attrelid, column_name AS attname, (${PG_TYPE_OID}) AS atttypid,
     0 AS attstattarget, -1 AS attlen, column_index AS attnum, 0 AS attndims, -1 AS attcacheoff,
     CASE WHEN data_type LIKE 'DECIMAL%' THEN ((numeric_precision << 16) | numeric_scale) + 4 ELSE -1 END AS atttypmod,
     false AS attbyval, 'p' AS attstorage, 'i' AS attalign, (NOT is_nullable) AS attnotnull,
     (column_default IS NOT NULL) AS atthasdef, false AS atthasmissing, '' AS attidentity,
     '' AS attgenerated, false AS attisdropped, true AS attislocal, 0 AS attinhcount,
     0 AS attcollation, NULL AS attcompression, NULL AS attacl, NULL AS attoptions,
     NULL AS attfdwoptions, NULL AS attmissingval
   FROM duckdb_columns() WHERE schema_name <> '${INTERNAL}'`,
  `CREATE OR REPLACE MACRO ${INTERNAL}.format_type(type_oid, typemod) AS
   CASE type_oid
     WHEN 1700 THEN CASE WHEN typemod > 4 THEN 'numeric(' || ((typemod - 4) >> 16) || ',' || ((typemod - 4) & 65535) || ')' ELSE 'numeric' END
     WHEN 16 THEN 'boolean' WHEN 21 THEN 'smallint' WHEN 23 THEN 'integer' WHEN 20 THEN 'bigint'
     WHEN 700 THEN 'real' WHEN 701 THEN 'double precision' WHEN 1043 THEN 'character varying'
     WHEN 1082 THEN 'date' WHEN 1083 THEN 'time without time zone'
     WHEN 1114 THEN 'timestamp without time zone' WHEN 1184 THEN 'timestamp with time zone'
     WHEN 1186 THEN 'interval' WHEN 17 THEN 'bytea' WHEN 2950 THEN 'uuid' ELSE 'text' END`,
  `CREATE OR REPLACE VIEW ${INTERNAL}.pg_namespace AS
   SELECT * FROM pg_catalog.pg_namespace WHERE nspname <> '${INTERNAL}'`,
];

const REWRITES: [RegExp, string][] = [
  [/(?<![\w."])(pg_catalog\.)?pg_attribute\b/gi, `${INTERNAL}.pg_attribute`],
  [/(?<![\w."])(pg_catalog\.)?pg_namespace\b/gi, `${INTERNAL}.pg_namespace`],
  [/(?<![\w."])(pg_catalog\.)?format_type\s*\(/gi, `${INTERNAL}.format_type(`],
  [/OPERATOR\(pg_catalog\.(~|!~|=|<>)\)/g, '$1'],
  [/\s+COLLATE\s+pg_catalog\."?default"?/gi, ''],
  [/::(pg_catalog\.)?reg(class|type|proc|namespace)\b/gi, ''],
  // lambdalake's own batch and speed tables are internals: never listed to clients.
  [
    /pg_catalog\.pg_table_is_visible\(c\.oid\)/g,
    `(pg_catalog.pg_table_is_visible(c.oid) AND n.nspname <> '${INTERNAL}')`,
  ],
  [/::pg_catalog\.text/gi, '::VARCHAR'],
  [/pg_catalog\.pg_get_expr\(([^,()]+),\s*([^()]+)\)/gi, 'NULL'],
  [/(pg_catalog\.)?pg_get_userbyid\([^()]*\)/gi, "'lambdalake'"],
  [/(pg_catalog\.)?pg_encoding_to_char\([^()]*\)/gi, "'UTF8'"],
  [/\b\w+\.relforcerowsecurity\b/gi, 'false'],
];

export function rewriteForCatalogCompat(sql: string): string {
  return REWRITES.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), sql);
}
