import { expect, test } from 'vitest';
import { judgeRowCheck } from './quality.ts';

const row = { hour: '2026-11-26 10:00:00', campaign: null, clicks: '3' };

test('without a declared tolerance one offending row fails, naming the count and showing it', () => {
  expect(
    judgeRowCheck({ check: 'not_null', columns: ['campaign'] }, 'campaign', 1, 40, [row]),
  ).toBe(
    'not_null: 1 of 40 row(s) (2.50%) with NULL campaign, at most 0 row(s) and 0.00% tolerated; e.g. {"hour":"2026-11-26 10:00:00","campaign":null,"clicks":"3"}',
  );
});

test('a declared fraction or count tolerates that many offending rows', () => {
  const fraction = { check: 'not_null' as const, columns: ['campaign'], max_fraction: 0.05 };
  expect(judgeRowCheck(fraction, 'campaign', 2, 40, [row])).toBeNull();
  expect(judgeRowCheck(fraction, 'campaign', 3, 40, [row, row, row, row])).toMatch(
    /^not_null: 3 of 40 row\(s\) \(7\.50%\) with NULL campaign, at most 5\.00% tolerated; e\.g\. (\{[^}]*\}, ){2}\{[^}]*\}$/,
  );
  const count = { check: 'non_negative' as const, columns: ['cost'], max_count: 1 };
  expect(judgeRowCheck(count, 'cost', 1, 2, [row])).toBeNull();
  expect(judgeRowCheck(count, 'cost', 2, 1000, [row])).toMatch(
    /^non_negative: 2 of 1000 row\(s\) \(0\.20%\) with a negative cost, at most 1 row\(s\) tolerated/,
  );
});

test('with both declared, both must hold', () => {
  const both = { check: 'not_null' as const, columns: ['c'], max_count: 10, max_fraction: 0.01 };
  expect(judgeRowCheck(both, 'c', 5, 1000, [])).toBeNull();
  expect(judgeRowCheck(both, 'c', 5, 100, [])).not.toBeNull();
  expect(judgeRowCheck(both, 'c', 11, 100_000, [])).not.toBeNull();
});
