import { expect, test } from 'vitest';
import { isTimeBucketOf, readsTable, selectOutputs } from './sqlShape.ts';

const dau = `-- users per day
SELECT
  CAST(FLOOR(event_time TO DAY) AS TIMESTAMP(3)) AS \`day\`,
  country,
  COUNT(DISTINCT user_id) AS active_users
FROM page_views
WHERE page <> 'a, FROM b'
GROUP BY FLOOR(event_time TO DAY), country`;

test('output names come from aliases and bare columns of the outer SELECT', () => {
  expect(selectOutputs(dau).map((o) => o.name)).toEqual(['day', 'country', 'active_users']);
});

test('the grain expression is recognised as a time bucket of the event time', () => {
  const day = selectOutputs(dau).find((o) => o.name === 'day')!;
  expect(isTimeBucketOf(day.expression, 'event_time', 'DAY')).toBe(true);
  expect(isTimeBucketOf(day.expression, 'event_time', 'HOUR')).toBe(false);
  expect(isTimeBucketOf('CAST(order_time AS DATE)', 'event_time', 'DAY')).toBe(false);
});

test('the source is found by name outside strings and comments', () => {
  expect(readsTable(dau, 'page_views')).toBe(true);
  expect(readsTable("SELECT 'FROM orders' FROM page_views", 'orders')).toBe(false);
});
