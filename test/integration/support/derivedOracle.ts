import type { PageViewEvent, ProducedRecord } from '../../../src/demo/events.ts';

/** A row of test/fixtures/derived's conversion_rate view: hour (ISO), country, rate, views − purchases. */
export type ConversionRow = [string, string, string | null, string];

const HOUR = 3_600_000;

/**
 * conversion_rate computed without Flink or PostgreSQL: each event id counted once; per UTC hour
 * and country the product views (page views whose action is in `viewActions`) and the purchases;
 * a row wherever either input has one; rate = purchases / views rounded half up to 4 places
 * (NULL without views), views_without_purchase = views − purchases (a missing side is 0).
 */
export function conversionOracle(
  records: readonly ProducedRecord[],
  viewActions: readonly string[] = ['view'],
): ConversionRow[] {
  const seen = new Set<string>();
  const views = new Map<string, number>();
  const purchases = new Map<string, number>();
  for (const r of records) {
    if (r.source !== 'page_views') continue;
    const e = r.value as PageViewEvent;
    if (seen.has(e.event_id)) continue;
    seen.add(e.event_id);
    const key = `${new Date(Math.floor(r.eventTimeMs / HOUR) * HOUR).toISOString()}|${e.country}`;
    if (viewActions.includes(e.action)) views.set(key, (views.get(key) ?? 0) + 1);
    if (e.action === 'purchase') purchases.set(key, (purchases.get(key) ?? 0) + 1);
  }
  const keys = new Set([...views.keys(), ...purchases.keys()]);
  return [...keys].sort().map((key) => {
    const [hour, country] = key.split('|') as [string, string];
    const v = views.get(key) ?? 0;
    const p = purchases.get(key) ?? 0;
    return [hour, country, v === 0 ? null : ratio(p, v, 4), String(v - p)];
  });
}

/** p / v rounded half up to `places` decimals, exactly (integers only). */
function ratio(p: number, v: number, places: number): string {
  const scale = 10n ** BigInt(places);
  const scaled = (2n * BigInt(p) * scale + BigInt(v)) / (2n * BigInt(v));
  return `${scaled / scale}.${String(scaled % scale).padStart(places, '0')}`;
}
