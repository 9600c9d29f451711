import { expect, test } from 'vitest';
import {
  evolvedMasterSchema,
  jobDefinition,
  jobRestart,
  masterSchemaChange,
  parseJobDefinition,
  refusedSchemaChanges,
  type MasterSchema,
} from './definitionChanges.ts';

const master: MasterSchema = {
  schemaId: 0,
  lastColumnId: 5,
  fields: [
    { id: 1, name: 'order_id', type: 'string', required: false },
    { id: 2, name: 'amount', type: 'decimal(12, 2)', required: false },
    { id: 5, name: 'event_time', type: 'timestamp', required: false },
  ],
};

test('an unchanged definition restarts nothing; the start offset is not part of it', () => {
  const a = jobDefinition('INSERT …', { ttl: '86400 s' }, 'orders', { state_ttl: '1d' });
  expect(
    jobRestart(a, jobDefinition('INSERT …', { ttl: '86400 s' }, 'orders', { state_ttl: '1d' })),
  ).toBeNull();
});

test('a changed state_ttl or watermark_delay restarts from a savepoint, naming each change', () => {
  const before = jobDefinition('WATERMARK 5s', { ttl: '86400 s' }, 'orders', {
    state_ttl: '1d',
    watermark_delay: '5s',
  });
  const after = jobDefinition('WATERMARK 30s', { ttl: '172800 s' }, 'orders', {
    state_ttl: '2d',
    watermark_delay: '30s',
  });
  expect(jobRestart(before, after)).toEqual({
    reasons: ['state_ttl 1d → 2d', 'watermark_delay 5s → 30s'],
    fromSavepoint: true,
  });
});

test('a changed topic restarts without state: the Kafka source state names the old topic', () => {
  const before = jobDefinition('topic orders', {}, 'orders', { state_ttl: '1d' });
  const after = jobDefinition('topic orders_v2', {}, 'orders_v2', { state_ttl: '1d' });
  expect(jobRestart(before, after)).toEqual({
    reasons: ['topic orders → orders_v2'],
    fromSavepoint: false,
  });
});

test('a compiled change with no named setting behind it still restarts, and says so', () => {
  expect(jobRestart(jobDefinition('a', {}, 't', {}), jobDefinition('b', {}, 't', {}))).toEqual({
    reasons: ['its compiled SQL changed'],
    fromSavepoint: true,
  });
});

test('a recorded definition reads back; anything else is no record', () => {
  const d = jobDefinition('x', {}, 't', { columns: 'a STRING' });
  expect(parseJobDefinition(JSON.stringify(d))).toEqual(d);
  expect(parseJobDefinition(undefined)).toBeNull();
  expect(parseJobDefinition('not json')).toBeNull();
  expect(parseJobDefinition('{"hash": 1}')).toBeNull();
});

test('added columns get ids after the last assigned one; existing fields keep theirs', () => {
  const change = masterSchemaChange(master, [
    { name: 'order_id', type: 'string' },
    { name: 'coupon', type: 'string' },
    { name: 'amount', type: 'decimal(12,2)' },
    { name: 'event_time', type: 'timestamp' },
    { name: 'units', type: 'int' },
  ]);
  expect(change).toEqual({
    added: [
      { name: 'coupon', type: 'string' },
      { name: 'units', type: 'int' },
    ],
    dropped: [],
    retyped: [],
  });
  expect(evolvedMasterSchema(master, change.added)).toEqual({
    schemaId: 1,
    lastColumnId: 7,
    fields: [
      ...master.fields,
      { id: 6, name: 'coupon', type: 'string', required: false },
      { id: 7, name: 'units', type: 'int', required: false },
    ],
  });
});

test('dropped and retyped columns are refused, each naming the file, the column and what to do', () => {
  const change = masterSchemaChange(master, [
    { name: 'order_id', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'event_time', type: 'timestamp' },
  ]);
  expect(change.added).toEqual([]);
  expect(
    refusedSchemaChanges('orders', 'pipelines/sources/orders.yaml', 'lambdalake.orders_master', {
      ...change,
      dropped: [{ id: 3, name: 'coupon', type: 'string', required: false }],
    }),
  ).toEqual([
    "pipelines/sources/orders.yaml: column 'coupon' of source orders is no longer defined, but the master table lambdalake.orders_master holds it: dropping a column is refused (batch recomputes read all history). Put it back in columns (metrics that do not use it are unaffected), or define a new source under another name and move the metrics to it.",
    "pipelines/sources/orders.yaml: column 'amount' of source orders changed type from decimal(12, 2) to double, but the master table lambdalake.orders_master already holds decimal(12, 2) values: retyping a column is refused. Keep its type, or add a new column under another name with the new type (older rows read NULL) and use that in the metrics.",
  ]);
});
