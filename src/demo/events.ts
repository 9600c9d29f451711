import { SeededRandom } from './random.ts';

/** A page view as the `page_views` source topic carries it (JSON). */
export interface PageViewEvent {
  event_id: string;
  user_id: string;
  country: string;
  page: string;
  /** The funnel step this view belongs to. */
  action: 'view' | 'cart' | 'purchase';
  /** UTC, 'YYYY-MM-DD HH:MM:SS.sss' (Flink's JSON format reads it as TIMESTAMP(3)). */
  event_time: string;
}

/** An order as the `orders` source topic carries it (JSON); at-least-once producers repeat them. */
export interface OrderEvent {
  order_id: string;
  user_id: string;
  product: string;
  /** Decimal with two places, as a string so no cent is lost in JSON. */
  amount: string;
  event_time: string;
}

export type SourceEvent =
  { source: 'page_views'; event: PageViewEvent } | { source: 'orders'; event: OrderEvent };

/** One produced record and why it is special: what the oracle and the scenarios need to know. */
export interface ProducedRecord {
  source: 'page_views' | 'orders';
  key: string;
  value: PageViewEvent | OrderEvent;
  eventTimeMs: number;
  /** Produced more than the allowed lateness after its event time (batch-only until the next cycle). */
  late: boolean;
  /** An exact repeat of an earlier record (same id, same payload). */
  duplicate: boolean;
}

export interface GeneratorOptions {
  seed: number;
  /** Event times are spread over [startMs, endMs). */
  startMs: number;
  endMs: number;
  pageViews: number;
  orders: number;
  /** Share of records re-sent as exact duplicates. */
  duplicateRate?: number;
  /** Share of records whose event time is pushed back by more than `latenessMs`. */
  lateRate?: number;
  latenessMs?: number;
  /** Out-of-order jitter: records are shuffled within this many positions. */
  shuffleWindow?: number;
}

const COUNTRIES = ['DE', 'FR', 'US', 'BR', 'IN', 'JP'] as const;
const PRODUCTS = ['kettle', 'lamp', 'chair', 'desk', 'mug', 'rug', 'sofa', 'clock'] as const;
const PRICES: Record<(typeof PRODUCTS)[number], number> = {
  kettle: 2999,
  lamp: 4550,
  chair: 8900,
  desk: 19900,
  mug: 899,
  rug: 6400,
  sofa: 49900,
  clock: 2500,
};

export function flinkTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * Generates a realistic, reproducible event stream: a funnel of page views per user session,
 * orders for purchases, exact duplicates, late events and out-of-order arrival.
 */
export function generateEvents(options: GeneratorOptions): ProducedRecord[] {
  const rnd = new SeededRandom(options.seed);
  const span = options.endMs - options.startMs;
  const lateness = options.latenessMs ?? 10 * 60_000;
  const records: ProducedRecord[] = [];
  const users = Math.max(5, Math.round(options.pageViews / 8));
  for (let i = 0; i < options.pageViews; i++) {
    const user = `u${rnd.int(0, users)}`;
    const roll = rnd.next();
    const action = roll < 0.7 ? 'view' : roll < 0.9 ? 'cart' : 'purchase';
    const t = options.startMs + Math.floor(rnd.next() * span);
    const event: PageViewEvent = {
      event_id: `pv-${options.seed}-${i}`,
      user_id: user,
      country: COUNTRIES[Number(user.slice(1)) % COUNTRIES.length]!,
      page:
        action === 'view'
          ? `/product/${rnd.pick(PRODUCTS)}`
          : action === 'cart'
            ? '/cart'
            : '/checkout/done',
      action,
      event_time: flinkTimestamp(t),
    };
    records.push({
      source: 'page_views',
      key: event.event_id,
      value: event,
      eventTimeMs: t,
      late: false,
      duplicate: false,
    });
  }
  for (let i = 0; i < options.orders; i++) {
    const product = rnd.pick(PRODUCTS);
    const t = options.startMs + Math.floor(rnd.next() * span);
    const cents = PRICES[product] * rnd.int(1, 4);
    const event: OrderEvent = {
      order_id: `o-${options.seed}-${i}`,
      user_id: `u${rnd.int(0, users)}`,
      product,
      amount: (cents / 100).toFixed(2),
      event_time: flinkTimestamp(t),
    };
    records.push({
      source: 'orders',
      key: event.order_id,
      value: event,
      eventTimeMs: t,
      late: false,
      duplicate: false,
    });
  }
  markLate(records, rnd, options.lateRate ?? 0, lateness, options.startMs);
  records.sort((a, b) => a.eventTimeMs - b.eventTimeMs);
  shuffleWithin(records, rnd, options.shuffleWindow ?? 5);
  return withDuplicates(records, rnd, options.duplicateRate ?? 0);
}

/** Late events keep their (old) event time but are produced at the end, after everything else. */
function markLate(
  records: ProducedRecord[],
  rnd: SeededRandom,
  rate: number,
  latenessMs: number,
  startMs: number,
): void {
  for (const r of records) {
    if (!rnd.chance(rate)) continue;
    r.late = true;
    r.eventTimeMs = Math.max(startMs, r.eventTimeMs - latenessMs - 60_000);
    (r.value as { event_time: string }).event_time = flinkTimestamp(r.eventTimeMs);
  }
}

function shuffleWithin(records: ProducedRecord[], rnd: SeededRandom, window: number): void {
  const onTime = records.filter((r) => !r.late);
  for (let i = 0; i < onTime.length; i++) {
    const j = Math.min(onTime.length - 1, i + rnd.int(0, window + 1));
    [onTime[i], onTime[j]] = [onTime[j]!, onTime[i]!];
  }
  const late = records.filter((r) => r.late);
  records.splice(0, records.length, ...onTime, ...late);
}

function withDuplicates(
  records: ProducedRecord[],
  rnd: SeededRandom,
  rate: number,
): ProducedRecord[] {
  const out: ProducedRecord[] = [];
  for (const r of records) {
    out.push(r);
    if (r.source === 'orders' && rnd.chance(rate))
      out.push({ ...r, value: { ...r.value }, duplicate: true });
  }
  return out;
}
