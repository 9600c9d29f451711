/**
 * The cutover rule of DESIGN §5: C = floor_to_grain(T0 − lateness), where T0 is a moment at which
 * the master table holds every record produced before it. Grains are fixed durations aligned to the
 * Unix epoch in UTC (an hour or a day bucket starts where FLOOR(ts TO HOUR|DAY) puts it).
 */
export function chooseCutover(t0: Date, latenessMs: number, grainMs: number): Date {
  if (!(grainMs > 0)) throw new RangeError(`grain must be a positive duration, got ${grainMs} ms`);
  if (!(latenessMs >= 0))
    throw new RangeError(`lateness must not be negative, got ${latenessMs} ms`);
  const shifted = t0.getTime() - latenessMs;
  return new Date(Math.floor(shifted / grainMs) * grainMs);
}

/** Flink SQL TIMESTAMP literal text for an instant, in UTC (sessions run with table.local-time-zone=UTC). */
export function flinkTimestampLiteral(instant: Date): string {
  return instant.toISOString().replace('T', ' ').replace('Z', '');
}
