/** The PostgreSQL schema holding lambdalake's own tables; SQL users have no privilege on it. */
export const INTERNAL_SCHEMA = '__lambdalake';

/** Schemas a dataset path may not use: ours, and PostgreSQL's own. */
export function reservedSchema(name: string): boolean {
  return name === INTERNAL_SCHEMA || name === 'information_schema' || /^pg_/i.test(name);
}
