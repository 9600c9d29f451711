import type { OrderEvent, PageViewEvent, ProducedRecord } from './events.ts';

/**
 * The oracle: every example metric computed from the generator's record in plain TypeScript,
 * independently of Flink, so scenarios can compare the union views against it exactly.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface OracleFilter {
  /** Only events with event time < this (the batch side of a cutover). */
  before?: number;
  /** Only events with event time >= this (the speed side). */
  from?: number;
  /** Leave out events the speed layer never sees in time. */
  excludeLate?: boolean;
}

function selected(
  records: readonly ProducedRecord[],
  source: ProducedRecord['source'],
  f: OracleFilter,
): ProducedRecord[] {
  return records.filter(
    (r) =>
      r.source === source &&
      (f.before === undefined || r.eventTimeMs < f.before) &&
      (f.from === undefined || r.eventTimeMs >= f.from) &&
      !(f.excludeLate && r.late),
  );
}

const bucket = (ms: number, size: number) => new Date(Math.floor(ms / size) * size).toISOString();

export interface DailyActiveUsersRow {
  day: string;
  country: string;
  active_users: number;
}

/** COUNT(DISTINCT user_id) per UTC day and country over page views. */
export function dailyActiveUsers(
  records: readonly ProducedRecord[],
  f: OracleFilter = {},
): DailyActiveUsersRow[] {
  const users = new Map<string, Set<string>>();
  for (const r of selected(records, 'page_views', f)) {
    const e = r.value as PageViewEvent;
    const key = `${bucket(r.eventTimeMs, DAY)}|${e.country}`;
    users.set(key, (users.get(key) ?? new Set()).add(e.user_id));
  }
  return [...users]
    .map(([key, set]) => {
      const [day, country] = key.split('|') as [string, string];
      return { day, country, active_users: set.size };
    })
    .sort(byKeys('day', 'country'));
}

export interface HourlyRevenueRow {
  hour: string;
  product: string;
  revenue: string;
  orders: number;
}

/** SUM(amount) and COUNT(*) per UTC hour and product over orders, each order_id counted once. */
export function hourlyRevenue(
  records: readonly ProducedRecord[],
  f: OracleFilter = {},
  options: { dedupe?: boolean } = { dedupe: true },
): HourlyRevenueRow[] {
  const seen = new Set<string>();
  const sums = new Map<string, { cents: number; orders: number }>();
  for (const r of selected(records, 'orders', f)) {
    const e = r.value as OrderEvent;
    if (options.dedupe !== false) {
      if (seen.has(e.order_id)) continue;
      seen.add(e.order_id);
    }
    const key = `${bucket(r.eventTimeMs, HOUR)}|${e.product}`;
    const acc = sums.get(key) ?? { cents: 0, orders: 0 };
    acc.cents += Math.round(Number(e.amount) * 100);
    acc.orders += 1;
    sums.set(key, acc);
  }
  return [...sums]
    .map(([key, v]) => {
      const [hour, product] = key.split('|') as [string, string];
      return { hour, product, revenue: (v.cents / 100).toFixed(2), orders: v.orders };
    })
    .sort(byKeys('hour', 'product'));
}

export interface CheckoutFunnelRow {
  hour: string;
  product_views: number;
  cart_views: number;
  purchases: number;
}

/** Per UTC hour, how many page views were product views, cart views and completed checkouts. */
export function checkoutFunnel(
  records: readonly ProducedRecord[],
  f: OracleFilter = {},
): CheckoutFunnelRow[] {
  const rows = new Map<string, CheckoutFunnelRow>();
  for (const r of selected(records, 'page_views', f)) {
    const e = r.value as PageViewEvent;
    const hour = bucket(r.eventTimeMs, HOUR);
    const row = rows.get(hour) ?? { hour, product_views: 0, cart_views: 0, purchases: 0 };
    if (e.action === 'view') row.product_views++;
    else if (e.action === 'cart') row.cart_views++;
    else row.purchases++;
    rows.set(hour, row);
  }
  return [...rows.values()].sort(byKeys('hour'));
}

function byKeys<T>(...keys: (keyof T)[]): (a: T, b: T) => number {
  return (a, b) => {
    for (const k of keys) {
      const x = String(a[k]);
      const y = String(b[k]);
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
}
