/** The DuckDB schema holding lambdalake's own tables and catalog shims; never shown to clients. */
export const INTERNAL_SCHEMA = '__lambdalake';
