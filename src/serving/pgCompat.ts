/**
 * psql and JDBC drivers describe tables with Postgres-only syntax; DuckDB has pg_catalog views but
 * not every spelling. These rewrites turn the spellings they use into ones DuckDB accepts.
 */
import { INTERNAL_SCHEMA as INTERNAL } from './internalSchema.ts';
import { pgFormatTypeSql, pgTypeOidSql } from './pgTypes.ts';

/**
 * DuckDB's pg_catalog.pg_attribute gives DuckDB's own type ids as atttypid, which match no row of
 * its pg_type (Postgres OIDs): JDBC's getColumns joins the two and lost columns or named the wrong
 * types. These objects, in lambdalake's internal schema, give Postgres OIDs and typmods, a
 * format_type that reads them, and a pg_namespace without the internal schema; client catalog
 * queries are pointed at them by the rewrites below.
 */
export const PG_CATALOG_COMPAT_SETUP: string[] = [
  `CREATE OR REPLACE VIEW ${INTERNAL}.pg_attribute AS
   SELECT table_oid AS attrelid, column_name AS attname, (${pgTypeOidSql('data_type')}) AS atttypid,
     0 AS attstattarget, -1 AS attlen, column_index AS attnum, 0 AS attndims, -1 AS attcacheoff,
     CASE WHEN data_type LIKE 'DECIMAL%' THEN ((numeric_precision << 16) | numeric_scale) + 4 ELSE -1 END AS atttypmod,
     false AS attbyval, 'p' AS attstorage, 'i' AS attalign, (NOT is_nullable) AS attnotnull,
     (column_default IS NOT NULL) AS atthasdef, false AS atthasmissing, '' AS attidentity,
     '' AS attgenerated, false AS attisdropped, true AS attislocal, 0 AS attinhcount,
     0 AS attcollation, NULL AS attcompression, NULL AS attacl, NULL AS attoptions,
     NULL AS attfdwoptions, NULL AS attmissingval
   FROM duckdb_columns() WHERE schema_name <> '${INTERNAL}'`,
  `CREATE OR REPLACE MACRO ${INTERNAL}.format_type(type_oid, typemod) AS
   ${pgFormatTypeSql('type_oid', 'typemod')}`,
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
