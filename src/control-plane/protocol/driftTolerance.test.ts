import { expect, test } from 'vitest';
import { driftSummary, type DriftSummary } from './batchCycleStates.ts';
import { driftBeyondTolerance, toleranceByMeasure } from './driftTolerance.ts';
import { metricHealth } from './health.ts';

const drift = (over: Partial<DriftSummary> = {}): DriftSummary => ({
  previousCutover: '2026-11-26T10:00:00.000Z',
  cutover: '2026-11-26T12:00:00.000Z',
  windowsCompared: 6,
  windowsOnlySpeed: 0,
  windowsOnlyBatch: 0,
  measures: [
    {
      measure: 'revenue',
      windowsDiffering: 1,
      maxAbsDiff: '3.50',
      maxRelDiff: 0.4375,
      examples: [{ hour: '2026-11-26T10:00:00', product: 'book', speed: '4.50', batch: '8.00' }],
    },
    { measure: 'orders', windowsDiffering: 0, maxAbsDiff: null, maxRelDiff: null, examples: [] },
  ],
  ...over,
});

test('drift within every declared bound, or on a measure without a tolerance, is no problem', () => {
  expect(driftBeyondTolerance('hourly_revenue', drift(), {})).toEqual([]);
  expect(
    driftBeyondTolerance('hourly_revenue', drift(), {
      revenue: { absolute: 3.5, relative: 0.5 },
      orders: { absolute: 0 },
    }),
  ).toEqual([]);
  expect(driftBeyondTolerance('hourly_revenue', undefined, { revenue: { absolute: 0 } })).toEqual(
    [],
  );
});

test('drift beyond a bound names the metric, the measure, the bound and example windows', () => {
  expect(
    driftBeyondTolerance('hourly_revenue', drift(), { revenue: { absolute: 0.5, relative: 0.01 } }),
  ).toEqual([
    'drift of hourly_revenue.revenue at the publish of cutover 2026-11-26T12:00:00.000Z (windows from 2026-11-26T10:00:00.000Z) is beyond its tolerance: largest |speed - batch| 3.50 > absolute 0.5; largest relative difference 0.4375 > relative 0.01; 1 of 6 window(s) compared differ, e.g. [hour=2026-11-26T10:00:00 product=book] (speed 4.50, batch 8.00)',
  ]);
  // Only the relative bound is declared: the absolute difference is not judged.
  expect(
    driftBeyondTolerance('hourly_revenue', drift(), { revenue: { relative: 0.4 } })[0],
  ).toContain(': largest relative difference 0.4375 > relative 0.4; 1 of 6');
});

test('a window on one side only is beyond any tolerance, even where no value differs', () => {
  const oneSided = drift({
    windowsOnlyBatch: 1,
    measures: [
      {
        measure: 'orders',
        windowsDiffering: 0,
        maxAbsDiff: null,
        maxRelDiff: null,
        examples: [{ hour: '2026-11-26T11:00:00', product: null, speed: null, batch: 2 }],
      },
    ],
  });
  expect(driftBeyondTolerance('hourly_revenue', oneSided, { orders: { absolute: 10 } })).toEqual([
    'drift of hourly_revenue.orders at the publish of cutover 2026-11-26T12:00:00.000Z (windows from 2026-11-26T10:00:00.000Z) is beyond its tolerance: 1 window(s) on one side only (0 speed, 1 batch); 0 of 6 window(s) compared differ, e.g. [hour=2026-11-26T11:00:00 product=NULL] (speed none, batch 2)',
  ]);
});

test('the tolerances are read from the measures that declare one', () => {
  expect(
    toleranceByMeasure([
      { name: 'revenue', drift_tolerance: { absolute: 0.5 } },
      { name: 'orders' },
    ]),
  ).toEqual({ revenue: { absolute: 0.5 } });
});

test('a breach makes the metric unhealthy after its other problems', () => {
  const problems = driftBeyondTolerance('hourly_revenue', drift(), { revenue: { absolute: 0 } });
  const health = metricHealth(
    {
      speedJob: { jobId: 'j', state: 'RUNNING', failures: [], detailsUrl: 'u' },
      lastRun: { state: 'done' },
      version: 'v1',
      servedVersion: 'v1',
      driftProblems: problems,
    },
    Date.parse('2026-11-26T12:00:00Z'),
  );
  expect(health).toEqual({ verdict: 'unhealthy', problems });
});

test('a run keeps three example windows per measure of what serving reported', () => {
  const examples = [1, 2, 3, 4, 5].map((i) => ({ hour: `h${i}`, speed: i, batch: i + 1 }));
  const kept = driftSummary({
    ...drift(),
    measures: [
      { measure: 'orders', windowsDiffering: 5, maxAbsDiff: '1', maxRelDiff: 0.5, examples },
    ],
  });
  expect(kept?.measures[0]?.examples).toEqual(examples.slice(0, 3));
});
