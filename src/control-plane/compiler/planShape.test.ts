import { expect, test } from 'vitest';
import { grainOf } from '../definitions/grain.ts';
import { checkPlanShape } from './planShape.ts';

/** Optimized physical plans as Flink 2.1 prints them (captured from EXPLAIN on the local stack). */
const plan = (...lines: string[]) =>
  `== Abstract Syntax Tree ==\nLogicalSink(...)\n\n== Optimized Physical Plan ==\n${lines.join('\n')}\n\n== Optimized Execution Plan ==\n`;

const weekWindow = plan(
  'Sink(table=[default_catalog.default_database.sink], fields=[window_start, product, EXPR$2])',
  '+- Calc(select=[window_start, product, EXPR$2])',
  "   +- GlobalWindowAggregate(groupBy=[product], window=[TUMBLE(slice_end=[$slice_end], size=[7 d], offset=[4 d])], select=[product, COUNT(count1$0) AS EXPR$2, start('w$) AS window_start, end('w$) AS window_end])",
  '      +- Exchange(distribution=[hash[product]])',
);
const finerBatch = plan(
  'Sink(table=[default_catalog.default_database.sink], fields=[EXPR$0, country, EXPR$2])',
  '+- Calc(select=[$f0 AS EXPR$0, country, EXPR$2])',
  '   +- HashAggregate(isMerge=[true], groupBy=[$f0, country, user_id], select=[$f0, country, user_id, Final_COUNT(count1$0) AS EXPR$2])',
  '      +- Exchange(distribution=[hash[$f0, country, user_id]])',
  '            +- Calc(select=[FLOOR(event_time, HOUR) AS $f0, country, user_id], where=[<(event_time, CURRENT_TIMESTAMP())])',
);
const rawRows = plan(
  'Sink(table=[default_catalog.default_database.sink], fields=[h, p, n])',
  '+- Calc(select=[FLOOR(event_time, HOUR) AS h, product AS p, amount AS n])',
  '   +- TableSourceScan(table=[[default_catalog, default_database, orders]], fields=[order_id, product, amount, event_time])',
);

test('a week window of 7 days offset by 4, grouped by the key, is the shape of a weekly metric', () => {
  expect(
    checkPlanShape(weekWindow, { grain: grainOf('1 week'), keys: ['product'], mode: 'streaming' }),
  ).toEqual([]);
});

test('the same window declared daily is refused as a window that is not the grain', () => {
  const [f] = checkPlanShape(weekWindow, {
    grain: grainOf('1 day'),
    keys: ['product'],
    mode: 'streaming',
  });
  expect(f).toEqual({
    construct: 'TUMBLE',
    message:
      "Flink's streaming plan has a TUMBLE window (size=[7 d], offset=[4 d]) that is not the grain (1 day)",
  });
});

test('processing time and grouping finer than the keys are both found in one plan', () => {
  const found = checkPlanShape(finerBatch, {
    grain: grainOf('1 hour'),
    keys: ['country'],
    mode: 'batch',
  });
  expect(found.map((f) => f.construct)).toEqual(['CURRENT_TIMESTAMP', 'GROUP BY']);
  expect(found[1]!.message).toContain('groups by 3 columns ($f0, country, user_id)');
});

test('a plan with no aggregate under the sink is a non-aggregating metric', () => {
  const [f] = checkPlanShape(rawRows, { grain: grainOf('1 hour'), keys: ['p'], mode: 'batch' });
  expect(f?.construct).toBe('SELECT');
  expect(f?.message).toContain('no aggregation under the sink (it found TableSourceScan)');
});
