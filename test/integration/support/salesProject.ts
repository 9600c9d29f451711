import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The speed job keeps a window's accumulator this long after its last update (speed.state_ttl). */
export const SALES_STATE_TTL_MS = 90_000;

/**
 * A project of shop sales per UTC minute, small enough that a window's speed state expires within
 * a test: grain 1 minute, lateness 30 s, state TTL 90 s (the least the compiler accepts). `amount`
 * tolerates 0.5 or 1% of drift, `sales` 100 windows' worth.
 */
export async function salesProject(namespace: string): Promise<{ dir: string; topic: string }> {
  const dir = await mkdtemp(join(tmpdir(), `lambdalake-${namespace}-`));
  await mkdir(join(dir, 'pipelines', 'sources'), { recursive: true });
  await mkdir(join(dir, 'pipelines', 'metrics'), { recursive: true });
  await mkdir(join(dir, 'sql', 'metrics'), { recursive: true });
  const topic = `${namespace}.sales`;
  const lines = (...l: string[]) => [...l, ''].join('\n');
  await writeFile(
    join(dir, 'pipelines', 'sources', 'sales.yaml'),
    lines(
      'name: sales',
      `topic: ${topic}`,
      'partitions: 1',
      'columns:',
      '  - { name: sale_id, type: STRING }',
      '  - { name: shop, type: STRING }',
      "  - { name: amount, type: 'DECIMAL(10,2)' }",
      '  - { name: event_time, type: TIMESTAMP(3) }',
      'event_time: event_time',
      'dedupe_key: sale_id',
    ),
  );
  await writeFile(
    join(dir, 'pipelines', 'metrics', 'minute_sales.yaml'),
    lines(
      'name: minute_sales',
      'description: Sales and their amount per UTC minute and shop.',
      'owner: shops@example.com',
      'source: sales',
      'grain: { column: at_minute, size: 1 minute }',
      'keys: [shop]',
      'measures:',
      '  - { name: sales, type: BIGINT, drift_tolerance: { absolute: 100 } }',
      "  - { name: amount, type: 'DECIMAL(22,2)', drift_tolerance: { absolute: 0.5, relative: 0.01 } }",
      'batch: { schedule: 1h }',
      'lateness: 30s',
      `speed: { state_ttl: ${SALES_STATE_TTL_MS / 1000}s }`,
    ),
  );
  await writeFile(
    join(dir, 'sql', 'metrics', 'minute_sales.sql'),
    lines(
      'SELECT',
      '  CAST(FLOOR(event_time TO MINUTE) AS TIMESTAMP(3)) AS at_minute,',
      '  shop,',
      '  COUNT(*) AS sales,',
      '  SUM(amount) AS amount',
      'FROM sales',
      'GROUP BY FLOOR(event_time TO MINUTE), shop',
    ),
  );
  return { dir, topic };
}

/** One sale as produced, and the round (a burst of producing) it was produced in. */
export interface Sale {
  saleId: string;
  shop: string;
  /** Cents, so the oracle's sums are exact. */
  amountCents: number;
  eventTimeMs: number;
  round: number;
}

/** A window's values on one side. */
interface WindowValue {
  sales: number;
  amountCents: number;
}

const MINUTE = 60_000;
const windowKey = (s: Sale) => `${Math.floor(s.eventTimeMs / MINUTE) * MINUTE}|${s.shop}`;

function aggregate(sales: readonly Sale[]): Map<string, WindowValue> {
  const out = new Map<string, WindowValue>();
  for (const s of sales) {
    const v = out.get(windowKey(s)) ?? { sales: 0, amountCents: 0 };
    out.set(windowKey(s), { sales: v.sales + 1, amountCents: v.amountCents + s.amountCents });
  }
  return out;
}

export interface DriftOracle {
  windowsCompared: number;
  windowsOnlySpeed: number;
  windowsOnlyBatch: number;
  measures: {
    measure: 'sales' | 'amount';
    windowsDiffering: number;
    maxAbsDiff: string | null;
    maxRelDiff: number | null;
  }[];
  /** Windows (`<minute ms>|<shop>`) whose values differ. */
  differing: string[];
}

/**
 * The drift a publish moving windows [from, before) to the batch side must measure, computed
 * without Flink. Batch: every sale. Speed: rounds are produced more than the state TTL apart, so
 * a window's accumulator has expired when a later round touches it again: the speed side holds
 * only the sales of the newest round that touched the window (earlier rounds' rows stay as they
 * were for windows the later round does not touch).
 */
export function driftOracle(sales: readonly Sale[], from: number, before: number): DriftOracle {
  const inRange = sales.filter((s) => s.eventTimeMs >= from && s.eventTimeMs < before);
  const batch = aggregate(inRange);
  const newestRound = new Map<string, number>();
  for (const s of inRange)
    newestRound.set(windowKey(s), Math.max(newestRound.get(windowKey(s)) ?? -1, s.round));
  const speed = aggregate(inRange.filter((s) => newestRound.get(windowKey(s)) === s.round));
  const keys = [...batch.keys()].filter((k) => speed.has(k)).sort();
  const measure = (name: 'sales' | 'amount') => {
    const of = (v: WindowValue) => (name === 'sales' ? v.sales : v.amountCents);
    const diffs = keys
      .map((k) => ({ k, s: of(speed.get(k)!), b: of(batch.get(k)!) }))
      .filter((d) => d.s !== d.b);
    const maxAbs = Math.max(...diffs.map((d) => Math.abs(d.s - d.b)));
    const rels = diffs.filter((d) => d.b !== 0).map((d) => Math.abs(d.s - d.b) / Math.abs(d.b));
    return {
      measure: name,
      windowsDiffering: diffs.length,
      maxAbsDiff:
        diffs.length === 0 ? null : name === 'sales' ? String(maxAbs) : (maxAbs / 100).toFixed(2),
      maxRelDiff: rels.length === 0 ? null : Math.max(...rels),
    };
  };
  const sides = measure('amount');
  return {
    windowsCompared: keys.length,
    windowsOnlySpeed: [...speed.keys()].filter((k) => !batch.has(k)).length,
    windowsOnlyBatch: [...batch.keys()].filter((k) => !speed.has(k)).length,
    measures: [measure('sales'), sides],
    differing: keys.filter((k) => {
      const s = speed.get(k)!;
      const b = batch.get(k)!;
      return s.sales !== b.sales || s.amountCents !== b.amountCents;
    }),
  };
}
