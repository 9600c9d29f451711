import { expect, test } from 'vitest';
import { planDerived, type DesiredDerived } from './derivedPlan.ts';

const wanted: DesiredDerived = {
  name: 'conversion_rate',
  version: 'aaaaaaaa',
  path: ['metrics', 'conversion_rate'],
  sql: '/* lambdalake derived metric conversion_rate vaaaaaaaa over a v1 */\nSELECT 1',
};

test('a derived view serving holds with the compiled SQL and recorded version needs nothing', () => {
  expect(
    planDerived([wanted], {
      servedSql: new Map([['conversion_rate', wanted.sql]]),
      recorded: { conversion_rate: 'aaaaaaaa' },
    }),
  ).toEqual([]);
});

test('a missing or older derived view is registered, saying what serving shows', () => {
  expect(planDerived([wanted], { servedSql: new Map(), recorded: {} })).toEqual([
    {
      kind: 'register-derived',
      name: 'conversion_rate',
      version: 'aaaaaaaa',
      reason: 'serving has no view',
    },
  ]);
  const older = wanted.sql.replace('vaaaaaaaa', 'vbbbbbbbb');
  expect(
    planDerived([wanted], {
      servedSql: new Map([['conversion_rate', older]]),
      recorded: { conversion_rate: 'bbbbbbbb' },
    }),
  ).toEqual([
    {
      kind: 'register-derived',
      name: 'conversion_rate',
      version: 'aaaaaaaa',
      reason: 'serving shows version bbbbbbbb',
    },
  ]);
});

test('a derived view no longer defined stops being served', () => {
  expect(planDerived([], { servedSql: new Map(), recorded: { old_ratio: 'cccccccc' } })).toEqual([
    { kind: 'unserve-derived', name: 'old_ratio', version: 'cccccccc' },
  ]);
});
