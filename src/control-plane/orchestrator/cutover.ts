import { floorToGrain, type Grain } from '../definitions/grain.ts';

/**
 * The cutover rule of DESIGN §5: C = floor_to_grain(T0 − lateness), where T0 is a moment at which
 * the master table holds every record produced before it. Fixed grains are aligned to the Unix
 * epoch in UTC (where TUMBLE and FLOOR(ts TO HOUR|DAY) put them); `1 week` grains start on ISO
 * Mondays and `1 month` grains on the 1st, both in UTC. A bare number is a fixed grain in ms.
 */
export function chooseCutover(t0: Date, latenessMs: number, grain: Grain | number): Date {
  const g: Grain = typeof grain === 'number' ? { kind: 'fixed', ms: grain } : grain;
  if (g.kind === 'fixed' && !(g.ms > 0))
    throw new RangeError(`grain must be a positive duration, got ${g.ms} ms`);
  if (!(latenessMs >= 0))
    throw new RangeError(`lateness must not be negative, got ${latenessMs} ms`);
  return new Date(floorToGrain(t0.getTime() - latenessMs, g));
}

/** Flink SQL TIMESTAMP literal text for an instant, in UTC (sessions run with table.local-time-zone=UTC). */
export function flinkTimestampLiteral(instant: Date): string {
  return instant.toISOString().replace('T', ' ').replace('Z', '');
}
