/**
 * psql and JDBC drivers describe tables with Postgres-only syntax; DuckDB has pg_catalog views but
 * not every spelling. These rewrites turn the spellings they use into ones DuckDB accepts.
 */
const REWRITES: [RegExp, string][] = [
  [/OPERATOR\(pg_catalog\.(~|!~|=|<>)\)/g, '$1'],
  [/\s+COLLATE\s+pg_catalog\."?default"?/gi, ''],
  [/::(pg_catalog\.)?reg(class|type|proc|namespace)\b/gi, ''],
  // lambdalake's own batch and speed tables are internals: never listed to clients.
  [
    /pg_catalog\.pg_table_is_visible\(c\.oid\)/g,
    "(pg_catalog.pg_table_is_visible(c.oid) AND n.nspname <> '__lambdalake')",
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
