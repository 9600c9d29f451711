import { expect, test } from 'vitest';
import { sourceSchema } from '../definitions/schema.ts';
import { eventTimeExpression } from './eventTime.ts';
import { checkedViewSql, problemExpression, rawColumns } from './validity.ts';

const source = sourceSchema.parse({
  name: 'clicks',
  topic: 'clicks',
  columns: [
    { name: 'click_id', type: 'STRING' },
    { name: 'campaign', type: 'STRING', required: true },
    { name: 'cost', type: 'DECIMAL(10,2)' },
    { name: 'event_time', type: 'TIMESTAMP(3)' },
  ],
  event_time: 'event_time',
  dedupe_key: 'click_id',
});

test('the problem CASE asks why the event time is missing first (value, JSON, field, form), then the dedupe key, then each column in order', () => {
  const reasons = [...problemExpression(source).matchAll(/(?:THEN|ELSE) (.*)$/gm)]
    .map((m) => m[1])
    .filter((r) => r !== 'CASE');
  expect(reasons).toEqual([
    "'value: empty'",
    "'value: not a JSON object'",
    "'event_time: missing or null'",
    "CONCAT('event_time: ''', SUBSTRING(JSON_VALUE(`lambdalake_text`, '$.event_time') FROM 1 FOR 80), ''' is not ''yyyy-MM-dd HH:mm:ss[.SSS]'' (UTC) or ISO-8601 with T and Z or an offset')",
    "'click_id: missing or null (the dedupe key identifies the event)'",
    "'campaign: an object or array, not STRING'",
    "'campaign: missing or null'",
    "'cost: an object or array, not DECIMAL(10,2)'",
    "CONCAT('cost: ''', SUBSTRING(`cost__text` FROM 1 FOR 80), ''' is not DECIMAL(10,2)')",
  ]);
});

test('typed values never throw: TRY_CAST, and the event time from the raw table column', () => {
  const view = checkedViewSql(source, 'clicks__raw');
  expect(view).toContain('TRY_CAST(`cost__text` AS DECIMAL(10,2)) AS `cost`');
  expect(view).toContain('`lambdalake_event_time` AS `event_time`');
  expect(view).not.toMatch(/\bCAST\(`cost__text`/);
  expect(rawColumns(source)[0]).toBe('`lambdalake_value` BYTES');
});

test('each event-time format compiles to its own parser; the default tries SQL first, then ISO-8601', () => {
  expect(eventTimeExpression('t', 'sql')).toBe('TRY_CAST(t AS TIMESTAMP(3))');
  expect(eventTimeExpression('t', 'epoch_millis')).toBe(
    'CAST(TO_TIMESTAMP_LTZ(TRY_CAST(t AS BIGINT), 3) AS TIMESTAMP(3))',
  );
  expect(eventTimeExpression('t', 'sql_or_iso8601')).toMatch(
    /^COALESCE\(TRY_CAST\(t AS TIMESTAMP\(3\)\), CASE WHEN REGEXP\(t, /,
  );
});

test('source columns may not take the names lambdalake adds', () => {
  const bad = sourceSchema.safeParse({
    ...source,
    columns: [...source.columns, { name: 'lambdalake_value', type: 'STRING' }],
  });
  expect(bad.success).toBe(false);
});
