import { describe, expect, test } from 'vitest';
import { chooseCutover } from '../protocol/cutover.ts';
import { bucketExpression, floorToGrain, grainOf, isGrainAligned, parseGrain } from './grain.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('grains in UTC', () => {
  test('fixed sizes are epoch-aligned, as TUMBLE and FLOOR put them', () => {
    expect(iso(floorToGrain(at('2026-11-26T12:44:59.999Z'), grainOf('15 minutes')))).toBe(
      '2026-11-26T12:30:00.000Z',
    );
    expect(iso(floorToGrain(at('2026-11-26T05:10:00Z'), grainOf('6 hours')))).toBe(
      '2026-11-26T00:00:00.000Z',
    );
    expect(iso(floorToGrain(at('2026-11-26T23:59:59Z'), grainOf('1 day')))).toBe(
      '2026-11-26T00:00:00.000Z',
    );
  });

  test('weeks start on Monday 00:00 UTC (ISO), also across a year end', () => {
    const week = grainOf('1 week');
    // 2026-11-26 is a Thursday; its ISO week starts Monday 2026-11-23.
    expect(iso(floorToGrain(at('2026-11-26T12:00:00Z'), week))).toBe('2026-11-23T00:00:00.000Z');
    expect(iso(floorToGrain(at('2026-11-23T00:00:00Z'), week))).toBe('2026-11-23T00:00:00.000Z');
    expect(iso(floorToGrain(at('2026-11-22T23:59:59.999Z'), week))).toBe(
      '2026-11-16T00:00:00.000Z',
    );
    // 2027-01-01 is a Friday: its week started Monday 2026-12-28.
    expect(iso(floorToGrain(at('2027-01-01T08:00:00Z'), week))).toBe('2026-12-28T00:00:00.000Z');
    expect(new Date(floorToGrain(Date.now(), week)).getUTCDay()).toBe(1);
  });

  test('months start on the 1st at 00:00 UTC, whatever their length', () => {
    const month = grainOf('1 month');
    expect(iso(floorToGrain(at('2026-02-28T23:59:59Z'), month))).toBe('2026-02-01T00:00:00.000Z');
    expect(iso(floorToGrain(at('2026-03-01T00:00:00Z'), month))).toBe('2026-03-01T00:00:00.000Z');
    expect(iso(floorToGrain(at('2026-12-31T23:00:00Z'), month))).toBe('2026-12-01T00:00:00.000Z');
    expect(isGrainAligned(at('2026-03-01T00:00:00Z'), month)).toBe(true);
    expect(isGrainAligned(at('2026-03-02T00:00:00Z'), month)).toBe(false);
  });

  test('the cutover is floor_to_grain(T0 - lateness) for every grain', () => {
    const t0 = new Date('2026-12-01T00:05:00Z');
    expect(chooseCutover(t0, 10 * 60_000, grainOf('1 month')).toISOString()).toBe(
      '2026-11-01T00:00:00.000Z',
    );
    // T0 - lateness is Monday 2026-11-30 23:55: that Monday starts the week.
    expect(chooseCutover(t0, 10 * 60_000, grainOf('1 week')).toISOString()).toBe(
      '2026-11-30T00:00:00.000Z',
    );
    expect(chooseCutover(t0, 10 * 60_000, grainOf('15 minutes')).toISOString()).toBe(
      '2026-11-30T23:45:00.000Z',
    );
    expect(chooseCutover(t0, 0, 3_600_000).toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });

  test('sizes the two modes would bucket differently are refused with what to write', () => {
    expect(parseGrain('7 days')).toEqual({
      refused:
        "'7 days' would be cut at Thursdays (Flink aligns fixed windows to the epoch, a Thursday): write '1 week' for ISO weeks starting Monday",
    });
    expect(parseGrain('7 minutes')).toHaveProperty('refused');
    expect(parseGrain('90s')).toHaveProperty('refused');
    expect(parseGrain('2 days')).toHaveProperty('refused');
    expect(parseGrain('2 weeks')).toHaveProperty('refused');
    expect(parseGrain('15m')).toEqual({ kind: 'fixed', ms: 900_000 });
    expect(parseGrain('1 month')).toEqual({ kind: 'month' });
  });

  test('the continuous bucket expression is FLOOR where a unit exists, minute arithmetic otherwise', () => {
    expect(bucketExpression('ts', grainOf('1 hour'))).toBe(
      'CAST(FLOOR(ts TO HOUR) AS TIMESTAMP(3))',
    );
    expect(bucketExpression('ts', grainOf('1 week'))).toBe(
      "CAST(TIMESTAMPADD(MINUTE, (TIMESTAMPDIFF(MINUTE, TIMESTAMP '1970-01-05 00:00:00', ts) / 10080) * 10080, TIMESTAMP '1970-01-05 00:00:00') AS TIMESTAMP(3))",
    );
  });
});
