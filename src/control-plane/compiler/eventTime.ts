import type { EventTimeFormat } from '../definitions/schema.ts';

/**
 * How a source's event time is written on the wire, and the Flink SQL that turns that text into a
 * UTC TIMESTAMP(3) or NULL (never an error: a NULL here sends the record to the dead letters).
 *
 * Measured on Flink 2.1.3 (EXPLAIN and SELECT through the SQL Gateway):
 * - `TRY_CAST(t AS TIMESTAMP(3))` accepts `yyyy-MM-dd HH:mm:ss[.fff]` and nothing with a `T`;
 * - `TO_TIMESTAMP_LTZ(t, 'yyyy-MM-dd''T''HH:mm:ss[.SSS]XXX')` parses `+02:00` but IGNORES the offset
 *   (12:00+02:00 comes back as 12:00Z) and also accepts the SQL form, so it cannot normalise ISO-8601;
 * - hence ISO-8601 is taken apart here: a regular expression checks the whole shape, the local part
 *   is cast, and the offset (Z, ±hh:mm or ±hhmm) is subtracted in minutes. Fractions beyond
 *   milliseconds are truncated, as TIMESTAMP(3) would.
 * - epoch milliseconds go through `TO_TIMESTAMP_LTZ(n, 3)`; the cast back to TIMESTAMP(3) uses the
 *   session time zone, which every lambdalake job sets to UTC (FlinkEngine.submitScript).
 */

/** What the dead-letter reason says a valid value looks like, per format. */
export const EVENT_TIME_FORMAT_HINTS: Record<EventTimeFormat, string> = {
  sql_or_iso8601: "'yyyy-MM-dd HH:mm:ss[.SSS]' (UTC) or ISO-8601 with T and Z or an offset",
  sql: "'yyyy-MM-dd HH:mm:ss[.SSS]' (UTC)",
  iso8601: 'ISO-8601 with T and Z or an offset',
  epoch_millis: 'epoch milliseconds',
};

const ISO_SHAPE = String.raw`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$`;

/** `t` (SQL text of a STRING) in `yyyy-MM-dd HH:mm:ss[.fff]` as TIMESTAMP(3), or NULL. */
function sqlForm(t: string): string {
  return `TRY_CAST(${t} AS TIMESTAMP(3))`;
}

/** `t` in ISO-8601 with `T` and `Z` or an offset, normalised to UTC, or NULL. */
function isoForm(t: string): string {
  const local = `TRY_CAST(CONCAT(SUBSTRING(${t} FROM 1 FOR 10), ' ', REGEXP_EXTRACT(${t}, '^.{11}(\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?)', 1)) AS TIMESTAMP(3))`;
  const sign = `CASE WHEN REGEXP_EXTRACT(${t}, '([+-])\\d{2}:?\\d{2}$', 1) = '-' THEN -1 ELSE 1 END`;
  const hours = `COALESCE(TRY_CAST(REGEXP_EXTRACT(${t}, '[+-](\\d{2}):?\\d{2}$', 1) AS INT), 0)`;
  const minutes = `COALESCE(TRY_CAST(REGEXP_EXTRACT(${t}, '[+-]\\d{2}:?(\\d{2})$', 1) AS INT), 0)`;
  return `CASE WHEN REGEXP(${t}, '${ISO_SHAPE}') THEN TIMESTAMPADD(MINUTE, -(${sign}) * (${hours} * 60 + ${minutes}), ${local}) END`;
}

/** `t` as a whole number of epoch milliseconds, or NULL. */
function epochMillisForm(t: string): string {
  return `CAST(TO_TIMESTAMP_LTZ(TRY_CAST(${t} AS BIGINT), 3) AS TIMESTAMP(3))`;
}

/** The SQL expression that parses event-time text `t` written in `format` to UTC TIMESTAMP(3), or NULL. */
export function eventTimeExpression(t: string, format: EventTimeFormat): string {
  switch (format) {
    case 'sql':
      return sqlForm(t);
    case 'iso8601':
      return isoForm(t);
    case 'epoch_millis':
      return epochMillisForm(t);
    case 'sql_or_iso8601':
      // The SQL form first: it is one cast, and it is what most of our producers write.
      return `COALESCE(${sqlForm(t)}, ${isoForm(t)})`;
  }
}
