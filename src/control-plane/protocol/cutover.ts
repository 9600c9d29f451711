import { floorToGrain, maxGrainMs, type Grain } from '../definitions/grain.ts';
import { ControlPlaneError } from '../errors.ts';

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

/**
 * Batch table property: the instant (ISO-8601) from which the version's speed job reads its source,
 * written when the job starts without state; a job restored from a checkpoint keeps reading on.
 */
export const SPEED_READS_FROM_PROPERTY = 'lambdalake.speed.reads-from';

/** The first grain boundary at or after `ms` (calendar grains included). */
export function ceilToGrain(ms: number, grain: Grain | number): number {
  const g: Grain = typeof grain === 'number' ? { kind: 'fixed', ms: grain } : grain;
  const floor = floorToGrain(ms, g);
  if (floor === ms) return ms;
  // The next boundary: one longest grain past the floor always lies in the next bucket.
  return floorToGrain(floor + maxGrainMs(g), g);
}

/**
 * Cutovers a backfill may choose: no later than the protocol's own at T0 (later, the batch side
 * would claim windows the master cannot hold yet, and every scheduled cycle would then be refused
 * as moving the cutover back), and no earlier than the first whole window the served speed job
 * read from its start (earlier, serving would fill [C, speed start) from a speed side that never
 * saw those events). `speedReadsFromMs` null: no speed job serves this version.
 */
export interface CutoverRange {
  earliestMs: number | null;
  latestMs: number;
}

export function backfillRange(
  t0: Date,
  latenessMs: number,
  grain: Grain | number,
  speedReadsFromMs: number | null,
): CutoverRange {
  return {
    latestMs: chooseCutover(t0, latenessMs, grain).getTime(),
    earliestMs: speedReadsFromMs === null ? null : ceilToGrain(speedReadsFromMs, grain),
  };
}

export class CutoverOutOfRangeError extends ControlPlaneError {
  constructor(metric: string, requested: Date, range: CutoverRange, why: string) {
    const earliest = range.earliestMs === null ? 'none' : new Date(range.earliestMs).toISOString();
    super(
      'cutover-out-of-range',
      `--cutover ${requested.toISOString()} for ${metric} is refused: ${why}; allowed: from ${earliest} to ${new Date(range.latestMs).toISOString()}`,
      false,
    );
    this.name = 'CutoverOutOfRangeError';
  }
}

/** Throws when a requested backfill cutover lies outside `range`. */
export function assertCutoverInRange(metric: string, requested: Date, range: CutoverRange): void {
  const at = requested.getTime();
  if (at > range.latestMs)
    throw new CutoverOutOfRangeError(
      metric,
      requested,
      range,
      "it is later than the protocol's own cutover floor_to_grain(now − lateness)",
    );
  if (range.earliestMs === null)
    throw new CutoverOutOfRangeError(
      metric,
      requested,
      range,
      "no speed job serves this version, so nothing can cover the windows from the cutover on: run 'lambdalake deploy' first",
    );
  if (at < range.earliestMs)
    throw new CutoverOutOfRangeError(
      metric,
      requested,
      range,
      'it is earlier than the first whole window the served speed job has read since its start',
    );
}
