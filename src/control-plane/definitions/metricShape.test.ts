import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { formatProblem } from './errors.ts';
import { grainOf } from './grain.ts';
import { checkMetricShape, type ShapeInput } from './metricShape.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** A shape case: the SQL as a data engineer writes it, and what it declares. */
interface Case {
  name: string;
  sql: string;
  grain: string;
  grainColumn?: string;
  keys?: string[];
  source?: string;
}

function check(c: Case): string[] {
  const input: ShapeInput = {
    sql: c.sql,
    sqlFile: `sql/metrics/${c.name}.sql`,
    grain: grainOf(c.grain),
    grainColumn: c.grainColumn ?? 'bucket',
    keys: c.keys ?? [],
    eventTime: 'event_time',
    source: c.source ?? 'orders',
  };
  return checkMetricShape(input).problems.map(formatProblem);
}

const REFUSED: Case[] = [
  {
    name: 'tumble_of_a_day_declared_hourly',
    grain: '1 hour',
    sql: "SELECT window_start AS bucket, COUNT(*) AS n\nFROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(event_time), INTERVAL '1' DAY))\nGROUP BY window_start, window_end",
  },
  {
    name: 'hop_window',
    grain: '1 hour',
    sql: "SELECT window_start AS bucket, COUNT(*) AS n\nFROM TABLE(HOP(TABLE orders, DESCRIPTOR(event_time), INTERVAL '5' MINUTE, INTERVAL '1' HOUR))\nGROUP BY window_start, window_end",
  },
  {
    name: 'seven_day_tumble_for_a_week',
    grain: '1 week',
    sql: "SELECT window_start AS bucket, COUNT(*) AS n\nFROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(event_time), INTERVAL '7' DAY))\nGROUP BY window_start, window_end",
  },
  {
    name: 'non_aggregating',
    grain: '1 hour',
    keys: ['product'],
    sql: 'SELECT CAST(FLOOR(event_time TO HOUR) AS TIMESTAMP(3)) AS bucket, product, amount\nFROM orders',
  },
  {
    name: 'grouping_finer_than_keys',
    grain: '1 hour',
    keys: ['product'],
    sql: 'SELECT CAST(FLOOR(event_time TO HOUR) AS TIMESTAMP(3)) AS bucket, product, SUM(amount) AS revenue\nFROM orders\nGROUP BY FLOOR(event_time TO HOUR), product, customer_id',
  },
  {
    name: 'processing_time',
    grain: '1 hour',
    sql: 'SELECT CAST(FLOOR(event_time TO HOUR) AS TIMESTAMP(3)) AS bucket, COUNT(*) AS n\nFROM orders\nWHERE event_time < CURRENT_TIMESTAMP AND PROCTIME() IS NOT NULL AND NOW() > event_time\nGROUP BY FLOOR(event_time TO HOUR)',
  },
  {
    name: 'floor_wrapped_in_an_aggregate',
    grain: '1 hour',
    sql: 'SELECT MAX(FLOOR(event_time TO HOUR)) AS bucket, product\nFROM orders\nGROUP BY product',
  },
  {
    name: 'floor_to_week_starts_sunday',
    grain: '1 week',
    sql: 'SELECT CAST(FLOOR(event_time TO WEEK) AS TIMESTAMP(3)) AS bucket, COUNT(*) AS n\nFROM orders\nGROUP BY FLOOR(event_time TO WEEK)',
  },
  {
    name: 'floor_coarser_than_a_15_minute_grain',
    grain: '15 minutes',
    sql: 'SELECT CAST(FLOOR(event_time TO HOUR) AS TIMESTAMP(3)) AS bucket, COUNT(*) AS n\nFROM orders\nGROUP BY FLOOR(event_time TO HOUR)',
  },
  {
    name: 'tumble_for_a_month',
    grain: '1 month',
    sql: "SELECT window_start AS bucket, COUNT(*) AS n\nFROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(event_time), INTERVAL '30' DAY))\nGROUP BY window_start, window_end",
  },
];

export const ACCEPTED: Case[] = [
  {
    name: 'quarter_hour_tvf_with_alias',
    grain: '15 minutes',
    keys: ['product'],
    sql: "SELECT o.window_start AS bucket, o.product, SUM(o.amount) AS revenue\nFROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(event_time), INTERVAL '15' MINUTES)) AS o\nGROUP BY o.window_start, o.window_end, o.product",
  },
  {
    name: 'iso_week_tvf',
    grain: '1 week',
    sql: "SELECT window_start AS bucket, COUNT(*) AS n\nFROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(event_time), INTERVAL '7' DAY, INTERVAL '4' DAY))\nGROUP BY window_start, window_end",
  },
  {
    name: 'month_floor',
    grain: '1 month',
    sql: 'SELECT CAST(FLOOR(event_time TO MONTH) AS TIMESTAMP(3)) AS bucket, COUNT(*) AS n\nFROM orders\nGROUP BY FLOOR(event_time TO MONTH)',
  },
  {
    name: 'derived_key',
    grain: '1 hour',
    keys: ['band'],
    sql: "SELECT CAST(FLOOR(event_time TO HOUR) AS TIMESTAMP(3)) AS bucket,\n  CASE WHEN amount >= 100 THEN 'large' ELSE 'small' END AS band, COUNT(*) AS n\nFROM orders\nGROUP BY FLOOR(event_time TO HOUR), CASE WHEN amount >= 100 THEN 'large' ELSE 'small' END",
  },
  {
    name: 'cte_and_alias',
    grain: '1 hour',
    keys: ['product'],
    sql: 'WITH hourly AS (\n  SELECT FLOOR(o.event_time TO HOUR) AS h, o.product, o.amount FROM orders AS o\n)\nSELECT CAST(h AS TIMESTAMP(3)) AS bucket, product, SUM(amount) AS revenue\nFROM hourly\nGROUP BY h, product',
  },
];

/** Compares with a golden file; UPDATE_GOLDEN=1 rewrites it (review the diff, then commit). */
function golden(name: string, actual: string): void {
  const file = join(here, '__golden__', name);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

test('every refused shape is refused with the construct, its location and what to write instead', () => {
  const report = REFUSED.map((c) => `== ${c.name}\n${check(c).join('\n')}\n`).join('\n');
  for (const c of REFUSED) expect(check(c), c.name).not.toEqual([]);
  golden('refused-shapes.txt', report);
});

test('aliases, CTEs, derived keys, 15-minute, week and month grains are accepted', () => {
  for (const c of ACCEPTED) expect(check(c), c.name).toEqual([]);
});

test('a refused shape points at the line and column of the construct', () => {
  const [p] = check(REFUSED.find((c) => c.name === 'grouping_finer_than_keys')!);
  expect(p).toMatch(/^sql\/metrics\/grouping_finer_than_keys\.sql:3:46: GROUP BY customer_id /);
});
