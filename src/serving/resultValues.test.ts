import { Decimal, tableFromIPC, Timestamp, TimeUnit } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { PG_OID } from './pgTypes.ts';
import { arrowStream, jsonValue } from './resultValues.ts';

const numeric22x2 = { name: 'revenue', oid: PG_OID.numeric, typmod: ((22 << 16) | 2) + 4 };

describe('result values', () => {
  test('JSON keeps decimals and large integers exact, and timestamps ISO-like', () => {
    expect(jsonValue(numeric22x2, '12345678901234567.89')).toBe('12345678901234567.89');
    expect(jsonValue({ name: 'n', oid: PG_OID.int8, typmod: -1 }, '9007199254740993')).toBe(
      '9007199254740993',
    );
    expect(jsonValue({ name: 'n', oid: PG_OID.int8, typmod: -1 }, '42')).toBe(42);
    expect(jsonValue({ name: 'b', oid: PG_OID.bool, typmod: -1 }, 'f')).toBe(false);
    expect(jsonValue({ name: 'h', oid: PG_OID.timestamp, typmod: 3 }, '2026-11-24 10:00:00')).toBe(
      '2026-11-24T10:00:00',
    );
    expect(jsonValue(numeric22x2, null)).toBeNull();
  });

  test('Arrow carries numeric as decimal128 with its declared scale, negatives and NULLs included', () => {
    const table = tableFromIPC(
      arrowStream({
        columns: [numeric22x2, { name: 'hour', oid: PG_OID.timestamp, typmod: 3 }],
        rows: [
          ['12345678901234567.89', '2026-11-24 10:00:00'],
          ['-0.5', null],
          [null, '2026-11-24 11:30:00.25'],
        ],
      }),
    );
    const revenue = table.getChild('revenue')!;
    expect(revenue.type).toBeInstanceOf(Decimal);
    expect([revenue.type.scale, revenue.type.precision]).toEqual([2, 22]);
    expect(String(revenue.get(0))).toBe('1234567890123456789');
    expect(String(revenue.get(1))).toBe('-50');
    expect(revenue.get(2)).toBeNull();
    const hour = table.getChild('hour')!;
    expect(hour.type).toBeInstanceOf(Timestamp);
    expect((hour.type as Timestamp).unit).toBe(TimeUnit.MILLISECOND);
    expect(hour.get(0)).toBe(Date.parse('2026-11-24T10:00:00Z'));
    expect(hour.get(1)).toBeNull();
    expect(hour.get(2)).toBe(Date.parse('2026-11-24T11:30:00.250Z'));
  });

  test('an unconstrained numeric (a sum) takes the largest scale among its values', () => {
    const table = tableFromIPC(
      arrowStream({
        columns: [{ name: 's', oid: PG_OID.numeric, typmod: -1 }],
        rows: [['1.5'], ['2.125'], ['3']],
      }),
    );
    const s = table.getChild('s')!;
    expect(s.type.scale).toBe(3);
    expect([String(s.get(0)), String(s.get(1)), String(s.get(2))]).toEqual([
      '1500',
      '2125',
      '3000',
    ]);
  });
});
