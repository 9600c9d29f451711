import { expect, test } from 'vitest';
import { parseLossless } from './losslessJson.ts';
import { convertRows, type Column } from './rows.ts';

test('JSON rows convert faithfully by column type, big numbers exactly', () => {
  const columns: Column[] = [
    { name: 'ts', logicalType: { type: 'TIMESTAMP_WITHOUT_TIME_ZONE', precision: 3 } },
    { name: 'amount', logicalType: { type: 'DECIMAL', precision: 20, scale: 2 } },
    { name: 'big', logicalType: { type: 'BIGINT' } },
    { name: 'nothing', logicalType: { type: 'VARCHAR' } },
    { name: 'arr', logicalType: { type: 'ARRAY', elementType: { type: 'INTEGER' } } },
    {
      name: 'mp',
      logicalType: { type: 'MAP', keyType: { type: 'CHAR' }, valueType: { type: 'INTEGER' } },
    },
    {
      name: 'rw',
      logicalType: {
        type: 'ROW',
        fields: [
          { name: 'a', fieldType: { type: 'CHAR' } },
          { name: 'b', fieldType: { type: 'BIGINT' } },
        ],
      },
    },
    { name: 'bin', logicalType: { type: 'BINARY' } },
  ];
  const page = parseLossless(
    '[{"kind":"UPDATE_AFTER","fields":["2026-11-01T10:00:00.123",12345678901234567.89,9007199254740993,null,[1,2,3],{"a":1,"b":2},{"a":"x","b":1},"AQI="]}]',
  ) as { kind: 'UPDATE_AFTER'; fields: unknown[] }[];
  const [row] = convertRows(columns, page);
  expect(row?.kind).toBe('UPDATE_AFTER');
  expect(row?.values).toEqual({
    ts: '2026-11-01T10:00:00.123',
    amount: '12345678901234567.89',
    big: 9007199254740993n,
    nothing: null,
    arr: [1, 2, 3],
    mp: new Map([
      ['a', 1],
      ['b', 2],
    ]),
    rw: { a: 'x', b: 1n },
    bin: new Uint8Array([1, 2]),
  });
});
