import { describe, expect, test } from 'vitest';
import {
  batchTableName,
  speedTableName,
  unionViewSql,
  viewName,
  type UnionSpec,
} from './datasets.ts';

const union: UnionSpec = {
  version: 'v1',
  grainColumn: 'hour',
  grainSize: '1 hour',
  keyColumns: ['product'],
  columns: [
    { name: 'hour', type: 'TIMESTAMP(3)' },
    { name: 'product', type: 'STRING' },
    { name: 'revenue', type: 'DECIMAL(22,2)' },
  ],
  batch: { table: 'ns.revenue__v1', snapshotId: '42', cutover: '2026-11-24T09:00:00Z' },
  speed: { topic: 'ns.speed.revenue.v1' },
};

describe('the union view SQL', () => {
  test('reads the batch table below the cutover and the speed table from it on', () => {
    const batch = batchTableName(union);
    const speed = speedTableName(union.speed.topic);
    expect(unionViewSql(union)).toBe(
      `SELECT "hour", "product", "revenue" FROM "__lambdalake"."${batch}" WHERE "hour" < TIMESTAMP '2026-11-24 09:00:00.000'\n` +
        'UNION ALL\n' +
        `SELECT "hour", "product", "revenue" FROM "__lambdalake"."${speed}" WHERE "hour" >= TIMESTAMP '2026-11-24 09:00:00.000'`,
    );
  });

  test('a publication gets its own batch table; a rebuilt speed table a new name', () => {
    const later = { ...union, batch: { ...union.batch, cutover: '2026-11-24T10:00:00Z' } };
    expect(batchTableName(later)).not.toBe(batchTableName(union));
    expect(speedTableName('t', 1)).toBe(`${speedTableName('t')}_r1`);
  });

  test('a path maps to a schema and a view, quoted', () => {
    expect(viewName(['metrics', 'hourly_revenue']).qualified).toBe('"metrics"."hourly_revenue"');
    expect(viewName(['a', 'b', 'c']).schema).toBe('a_b');
  });
});
