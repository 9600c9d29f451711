/** Durations in definitions: '30s', '10m', '2h', '1d', or '1 hour', '1 day', '15 minutes'. */
const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

export const DURATION_HINT = "a duration such as '30s', '10m', '2h', '1d' or '1 hour'";

/** Milliseconds of a duration text, or null when it is not one. */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d+)\s*([a-z]+)\s*$/i.exec(text);
  if (!match) return null;
  const unit = UNITS[match[2]!.toLowerCase()];
  return unit === undefined ? null : Number(match[1]) * unit;
}

/** The Flink SQL INTERVAL literal for a duration (whole seconds). */
export function flinkInterval(ms: number): string {
  if (ms % 86_400_000 === 0) return `INTERVAL '${ms / 86_400_000}' DAY`;
  if (ms % 3_600_000 === 0) return `INTERVAL '${ms / 3_600_000}' HOUR`;
  if (ms % 60_000 === 0) return `INTERVAL '${ms / 60_000}' MINUTE`;
  return `INTERVAL '${Math.ceil(ms / 1000)}' SECOND`;
}
