import { floorToGrain, grainOf } from '../../../src/control-plane/definitions/grain.ts';
import type { OrderEvent, PageViewEvent, ProducedRecord } from '../../../src/demo/events.ts';

/**
 * The oracle for the accepted-shape metrics of test/fixtures/shapes, in plain TypeScript with no
 * Flink: each row is [bucket ISO instant, key, ...measures as text], sorted, one per bucket and key.
 * Duplicates (same dedupe key) count once, as both layers dedupe on the source's dedupe key.
 */
export type OracleRow = string[];

const iso = (ms: number) => new Date(ms).toISOString();

function grouped<E>(
  records: readonly ProducedRecord[],
  source: ProducedRecord['source'],
  size: string,
  keyOf: (e: E) => string,
  measures: (rows: E[]) => string[],
  filter: (bucketMs: number) => boolean,
): OracleRow[] {
  const grain = grainOf(size);
  const groups = new Map<string, E[]>();
  for (const r of records) {
    if (r.source !== source || r.duplicate) continue;
    const bucket = floorToGrain(r.eventTimeMs, grain);
    if (!filter(bucket)) continue;
    const k = `${iso(bucket)}|${keyOf(r.value as E)}`;
    groups.set(k, [...(groups.get(k) ?? []), r.value as E]);
  }
  return [...groups]
    .map(([k, rows]) => [...k.split('|'), ...measures(rows)])
    .sort((a, b) => (a.join('|') < b.join('|') ? -1 : 1));
}

const cents = (rows: OrderEvent[]) =>
  (rows.reduce((n, e) => n + Math.round(Number(e.amount) * 100), 0) / 100).toFixed(2);

/** Every shape metric's rows for buckets passing `filter` (e.g. below or from a cutover). */
export function shapesOracle(
  records: readonly ProducedRecord[],
  filter: (metric: string, bucketMs: number) => boolean = () => true,
): Record<string, OracleRow[]> {
  return {
    quarter_hour_revenue: grouped<OrderEvent>(
      records,
      'orders',
      '15 minutes',
      (e) => e.product,
      (rows) => [cents(rows), String(rows.length)],
      (b) => filter('quarter_hour_revenue', b),
    ),
    weekly_orders: grouped<OrderEvent>(
      records,
      'orders',
      '1 week',
      (e) => e.product,
      (rows) => [String(rows.length)],
      (b) => filter('weekly_orders', b),
    ),
    order_size_bands: grouped<OrderEvent>(
      records,
      'orders',
      '1 hour',
      (e) => (Number(e.amount) >= 50 ? 'large' : 'small'),
      (rows) => [String(rows.length)],
      (b) => filter('order_size_bands', b),
    ),
    // No key: one row per calendar month (the key column reads as '').
    monthly_orders: grouped<OrderEvent>(
      records,
      'orders',
      '1 month',
      () => '',
      (rows) => [String(rows.length)],
      (b) => filter('monthly_orders', b),
    ),
    hourly_views_by_country: grouped<PageViewEvent>(
      records,
      'page_views',
      '1 hour',
      (e) => e.country,
      (rows) => [String(rows.length)],
      (b) => filter('hourly_views_by_country', b),
    ),
  };
}

/** How each shape metric's union view is read back as OracleRows (PostgreSQL SQL). */
export const SHAPE_QUERIES: Record<
  string,
  { grain: string; key: string | null; measures: string[] }
> = {
  monthly_orders: { grain: 'month', key: null, measures: ['orders'] },
  quarter_hour_revenue: { grain: 'quarter', key: 'product', measures: ['revenue', 'orders'] },
  weekly_orders: { grain: 'week', key: 'product', measures: ['orders'] },
  order_size_bands: { grain: 'hour', key: 'band', measures: ['orders'] },
  hourly_views_by_country: { grain: 'hour', key: 'country', measures: ['view_count'] },
};
