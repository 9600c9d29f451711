import { describe, expect, test } from 'vitest';
import { ceilToGrain, chooseCutover, flinkTimestampLiteral } from './cutover.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

test('the cutover is T0 minus lateness, floored to the grain', () => {
  const t0 = new Date('2026-11-24T21:40:12.345Z');
  expect(chooseCutover(t0, 10 * 60_000, HOUR).toISOString()).toBe('2026-11-24T21:00:00.000Z');
  expect(chooseCutover(t0, 45 * 60_000, HOUR).toISOString()).toBe('2026-11-24T20:00:00.000Z');
  expect(chooseCutover(t0, 0, DAY).toISOString()).toBe('2026-11-24T00:00:00.000Z');
  expect(chooseCutover(new Date('2026-11-24T00:30:00Z'), HOUR, DAY).toISOString()).toBe(
    '2026-11-23T00:00:00.000Z',
  );
});

test('an instant on a grain boundary is its own floor', () => {
  expect(chooseCutover(new Date('2026-11-24T21:00:00Z'), 0, HOUR).toISOString()).toBe(
    '2026-11-24T21:00:00.000Z',
  );
});

test('bad grain or lateness is refused with the value', () => {
  expect(() => chooseCutover(new Date(), 0, 0)).toThrow(
    'grain must be a positive duration, got 0 ms',
  );
  expect(() => chooseCutover(new Date(), -1, HOUR)).toThrow(
    'lateness must not be negative, got -1 ms',
  );
});

test('timestamps print as Flink SQL literals in UTC', () => {
  expect(flinkTimestampLiteral(new Date('2026-11-24T21:00:00Z'))).toBe('2026-11-24 21:00:00.000');
});

describe('ceilToGrain', () => {
  test('calendar grains: the next Monday and the next first of the month, UTC', () => {
    const wed = Date.parse('2026-11-25T10:00:00Z');
    expect(new Date(ceilToGrain(wed, { kind: 'week' })).toISOString()).toBe(
      '2026-11-30T00:00:00.000Z',
    );
    expect(new Date(ceilToGrain(wed, { kind: 'month' })).toISOString()).toBe(
      '2026-12-01T00:00:00.000Z',
    );
    const jan31 = Date.parse('2027-01-31T23:00:00Z');
    expect(new Date(ceilToGrain(jan31, { kind: 'month' })).toISOString()).toBe(
      '2027-02-01T00:00:00.000Z',
    );
    expect(ceilToGrain(Date.parse('2026-12-01T00:00:00Z'), { kind: 'month' })).toBe(
      Date.parse('2026-12-01T00:00:00Z'),
    );
    expect(ceilToGrain(90 * 60_000, 3_600_000)).toBe(2 * 3_600_000);
  });
});
