/** The SQLSTATE a Postgres client gets for an error (DuckDB's error kinds mapped to Postgres codes). */
export function sqlStateOf(error: unknown): string {
  if (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { sqlState?: unknown }).sqlState === 'string'
  )
    return (error as { sqlState: string }).sqlState;
  const message = error instanceof Error ? error.message : String(error);
  if (/^Parser Error/i.test(message)) return '42601';
  if (/^Catalog Error: (Table|View).*does not exist/i.test(message)) return '42P01';
  if (
    /^Catalog Error: Scalar Function.*does not exist|^Catalog Error: Table Function/i.test(message)
  )
    return '42883';
  if (/^Catalog Error/i.test(message)) return '42704';
  if (/^Binder Error.*(column|Referenced column)/i.test(message)) return '42703';
  if (/^Binder Error/i.test(message)) return '42804';
  if (/^Conversion Error|^Invalid Input Error/i.test(message)) return '22P02';
  if (/^Out of Range Error/i.test(message)) return '22003';
  if (/interrupted/i.test(message)) return '57014';
  if (/^Permission Error/i.test(message)) return '42501';
  return 'XX000';
}
