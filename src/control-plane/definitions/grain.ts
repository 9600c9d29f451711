import { parseDuration } from './durations.ts';

/**
 * A metric's time grain, in UTC. Fixed sizes are aligned to the Unix epoch (as Flink's TUMBLE and
 * FLOOR align them); weeks are ISO weeks starting Monday 00:00 UTC; months start on the 1st.
 */
export type Grain = { kind: 'fixed'; ms: number } | { kind: 'week' } | { kind: 'month' };

const MINUTE = 60_000;
const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** 1970-01-05, the first Monday after the epoch (a Thursday): ISO weeks start here modulo 7 days. */
const FIRST_MONDAY_MS = 4 * DAY;

export const GRAIN_HINT =
  "a whole number of minutes or hours that divides a day ('1 minute', '5 minutes', '15 minutes', '2 hours', '6 hours'), '1 day', '1 week' (ISO, Monday, UTC) or '1 month' (UTC)";

/** Parses a grain size, or returns why it is refused (a grain the two modes would bucket differently). */
export function parseGrain(text: string): Grain | { refused: string } {
  const t = text.trim().toLowerCase();
  if (/^1\s*(w|week|weeks)$/.test(t)) return { kind: 'week' };
  if (/^1\s*(mo|month|months)$/.test(t)) return { kind: 'month' };
  if (/^\d+\s*(w|weeks?|mo|months?)$/.test(t))
    return { refused: `'${text}' is not a grain: only '1 week' and '1 month' are calendar grains` };
  const ms = parseDuration(text);
  if (ms === null) return { refused: `'${text}' is not a duration` };
  if (ms === WEEK)
    return {
      refused: `'${text}' would be cut at Thursdays (Flink aligns fixed windows to the epoch, a Thursday): write '1 week' for ISO weeks starting Monday`,
    };
  // Sub-minute sizes and sizes that do not divide a day drift across day (and master partition)
  // boundaries, and multi-day sizes are epoch-aligned, not calendar-aligned: both are refused.
  if (ms % MINUTE !== 0 || ms <= 0 || (ms !== DAY && DAY % ms !== 0))
    return { refused: `'${text}' is not a grain: use ${GRAIN_HINT}` };
  return { kind: 'fixed', ms };
}

/** The grain of a validated definition (throws on a size `parseGrain` refuses). */
export function grainOf(size: string): Grain {
  const grain = parseGrain(size);
  if ('refused' in grain) throw new RangeError(grain.refused);
  return grain;
}

/** Floors an instant to the start of its grain bucket (UTC). */
export function floorToGrain(instantMs: number, grain: Grain): number {
  switch (grain.kind) {
    case 'fixed':
      return Math.floor(instantMs / grain.ms) * grain.ms;
    case 'week':
      return Math.floor((instantMs - FIRST_MONDAY_MS) / WEEK) * WEEK + FIRST_MONDAY_MS;
    case 'month': {
      const d = new Date(instantMs);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
  }
}

/** True when the instant starts a bucket of the grain. */
export function isGrainAligned(instantMs: number, grain: Grain): boolean {
  return floorToGrain(instantMs, grain) === instantMs;
}

/** The longest a bucket of this grain lasts (a month: 31 days), for state TTL bounds. */
export function maxGrainMs(grain: Grain): number {
  return grain.kind === 'fixed' ? grain.ms : grain.kind === 'week' ? WEEK : 31 * DAY;
}

/** A readable name: '15 minutes', '1 hour', '1 week', '1 month'. */
export function describeGrain(grain: Grain): string {
  if (grain.kind !== 'fixed') return `1 ${grain.kind}`;
  const [n, unit] =
    grain.ms % DAY === 0
      ? [grain.ms / DAY, 'day']
      : grain.ms % 3_600_000 === 0
        ? [grain.ms / 3_600_000, 'hour']
        : [grain.ms / MINUTE, 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/**
 * The FLOOR unit equal to the grain, if one is: FLOOR(ts TO MINUTE|HOUR|DAY|MONTH). Weeks are not
 * here: Flink 2.1's FLOOR(ts TO WEEK) starts weeks on Sunday (Calcite), not on the ISO Monday.
 */
export function floorUnit(grain: Grain): 'MINUTE' | 'HOUR' | 'DAY' | 'MONTH' | null {
  if (grain.kind === 'month') return 'MONTH';
  if (grain.kind === 'week') return null;
  if (grain.ms === MINUTE) return 'MINUTE';
  if (grain.ms === 3_600_000) return 'HOUR';
  if (grain.ms === DAY) return 'DAY';
  return null;
}

/**
 * The window TVF a data engineer writes for this grain: TUMBLE's size and offset. Weeks are 7 days
 * shifted by 4 (the epoch is a Thursday, so windows start on Mondays); months have no fixed size.
 */
export function tumbleOf(grain: Grain): { sizeMs: number; offsetMs: number } | null {
  if (grain.kind === 'fixed') return { sizeMs: grain.ms, offsetMs: 0 };
  if (grain.kind === 'week') return { sizeMs: WEEK, offsetMs: FIRST_MONDAY_MS };
  return null;
}

/**
 * A Flink SQL expression of `ts`'s bucket as a plain (non-window) TIMESTAMP(3), equal to what
 * TUMBLE puts in window_start. Used where the streaming side must update continuously: minutes
 * since the epoch fit an INT until the year 6053.
 */
export function bucketExpression(ts: string, grain: Grain): string {
  const unit = floorUnit(grain);
  if (unit) return `CAST(FLOOR(${ts} TO ${unit}) AS TIMESTAMP(3))`;
  const t = tumbleOf(grain)!;
  const size = t.sizeMs / MINUTE;
  const origin = `TIMESTAMP '1970-01-0${1 + t.offsetMs / DAY} 00:00:00'`;
  return `CAST(TIMESTAMPADD(MINUTE, (TIMESTAMPDIFF(MINUTE, ${origin}, ${ts}) / ${size}) * ${size}, ${origin}) AS TIMESTAMP(3))`;
}
