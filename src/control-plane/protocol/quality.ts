import type { QualityCheck } from '../definitions/schema.ts';

/** A row-level check (not_null, non_negative) with its tolerance. */
export type RowCheck = Exclude<QualityCheck, { check: 'min_rows' }>;

/**
 * Whether `bad` offending rows out of `total` exceed what the check tolerates: at most `max_count`
 * rows and at most `max_fraction` of the rows (each 0 when not declared, so an undeclared
 * tolerance keeps the strict "no row may" of before). Null when the check holds, else the failure:
 * the check, the count, the share and the tolerance, then up to three offending rows.
 */
export function judgeRowCheck(
  check: RowCheck,
  column: string,
  bad: number,
  total: number,
  examples: Record<string, unknown>[],
): string | null {
  const maxCount = check.max_count ?? (check.max_fraction === undefined ? 0 : Infinity);
  const maxFraction = check.max_fraction ?? (check.max_count === undefined ? 0 : 1);
  const fraction = total === 0 ? 0 : bad / total;
  if (bad <= maxCount && fraction <= maxFraction) return null;
  const what = check.check === 'not_null' ? 'NULL' : 'a negative';
  const tolerance = [
    Number.isFinite(maxCount) ? `${maxCount} row(s)` : null,
    maxFraction < 1 ? `${(maxFraction * 100).toFixed(2)}%` : null,
  ]
    .filter((x) => x !== null)
    .join(' and ');
  const shown = examples.slice(0, 3).map((row) => JSON.stringify(row, bigintSafe));
  return `${check.check}: ${bad} of ${total} row(s) (${(fraction * 100).toFixed(2)}%) with ${what} ${column}, at most ${tolerance} tolerated; e.g. ${shown.join(', ')}`;
}

function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
