import { expect, test } from 'vitest';
import type { BatchRunRecord } from './batchCycleStates.ts';
import {
  awaitDimensionsIngested,
  dimensionLogEnds,
  dimensionSnapshotsOf,
  pinDimensions,
} from './dimensionPins.ts';
import type { LogOffsets, MetricRuntime, TableCatalog, TableRef } from './ports.ts';

const products = {
  name: 'products',
  topic: 'ns.products',
  ingestionGroupId: 'ns-ingest-products',
  ingestionJobName: 'ns-ingest-products',
  masterTable: { namespace: 'ns', name: 'products_master' },
};
const metric = { dimensions: [products] } as unknown as MetricRuntime;
const record = (fields: Partial<BatchRunRecord>) => fields as BatchRunRecord;
const wait = { timeoutMs: 2_000, pollMs: 5, say: () => undefined };

test("T0 records each dimension's log end; a metric without joins records nothing", async () => {
  const log: LogOffsets = {
    logEnd: async (topic): Promise<Record<number, string>> =>
      topic === 'ns.products' ? { 0: '4', 1: '7' } : {},
    committed: async () => ({}),
  };
  expect(await dimensionLogEnds(metric, log)).toBe('{"products":"0:4,1:7"}');
  expect(await dimensionLogEnds({ dimensions: [] } as unknown as MetricRuntime, log)).toBe(
    undefined,
  );
});

test("the batch waits until the dimension's ingestion committed its offsets at T0", async () => {
  let calls = 0;
  const log: LogOffsets = {
    logEnd: async () => ({}),
    committed: async (group) => {
      expect(group).toBe('ns-ingest-products');
      return { 0: String(Math.min(4, calls++)) };
    },
  };
  await awaitDimensionsIngested(
    metric,
    record({ dimensionOffsetsAtT0: '{"products":"0:4"}' }),
    log,
    wait,
  );
  expect(calls).toBe(5);
});

test('a dimension ingestion that never catches up ends the wait with its job and offsets named', async () => {
  const log: LogOffsets = { logEnd: async () => ({}), committed: async () => ({ 0: '1' }) };
  await expect(
    awaitDimensionsIngested(metric, record({ dimensionOffsetsAtT0: '{"products":"0:4"}' }), log, {
      ...wait,
      timeoutMs: 50,
    }),
  ).rejects.toThrow(
    "ingestion job 'ns-ingest-products' did not commit offsets 0:4 of 'ns.products' in time (committed 0:1)",
  );
});

test("pins each dimension master's current snapshot ('' for one without any), read back by name", async () => {
  const catalog = {
    loadTable: async (t: TableRef) =>
      t.name === 'products_master'
        ? { properties: {}, refs: {}, currentSnapshotId: '77', snapshots: [] }
        : null,
  } as unknown as TableCatalog;
  const pinned = await pinDimensions(metric, catalog);
  expect(pinned).toBe('{"products":"77"}');
  expect(dimensionSnapshotsOf(record({ dimensionSnapshotIds: pinned }))).toEqual({
    products: '77',
  });
  expect(dimensionSnapshotsOf(record({}))).toEqual({});
  expect(() => dimensionSnapshotsOf(record({ dimensionSnapshotIds: '[1]' }))).toThrow(
    "run record field dimensionSnapshotIds is '[1]': expected a JSON object of dimension name to value",
  );
});
