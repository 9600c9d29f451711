import { expect, test } from 'vitest';
import type { BatchRunRecord } from './batchCycleStates.ts';
import { dimensionLogEnds, dimensionSnapshotsOf, pinDimensions } from './dimensionPins.ts';
import type { LogOffsets, MasterLedger, MetricRuntime, TableCatalog } from './ports.ts';

const products = {
  name: 'products',
  topic: 'ns.products',
  ingestionGroupId: 'ns-ingest-products',
  ingestionJobName: 'ns-ingest-products',
  deadLetterTopic: 'ns.dead-letters.products',
  masterTable: { namespace: 'ns', name: 'products_master' },
};
const metric = { dimensions: [products] } as unknown as MetricRuntime;
const record = (fields: Partial<BatchRunRecord>) => fields as BatchRunRecord;

test("T0 records each dimension's log end; a metric without joins records nothing", async () => {
  const log = {
    logEnd: async (topic: string): Promise<Record<number, string>> =>
      topic === 'ns.products' ? { 0: '4', 1: '7' } : {},
    committed: async () => ({}),
  } as unknown as LogOffsets;
  expect(await dimensionLogEnds(metric, log)).toBe('{"products":"0:4,1:7"}');
  expect(await dimensionLogEnds({ dimensions: [] } as unknown as MetricRuntime, log)).toBe(
    undefined,
  );
});

test('a dimension ingestion that never commits its offsets at T0 ends the wait with its job and offsets named', async () => {
  const log = {
    logEnd: async () => ({}),
    committed: async () => ({ 0: '1' }),
  } as unknown as LogOffsets;
  const deps = {
    log,
    catalog: {} as TableCatalog,
    ledger: {} as MasterLedger,
    ingestionTimeoutMs: 50,
    pollMs: 5,
  };
  const said: string[] = [];
  await expect(
    pinDimensions(metric, record({ dimensionOffsetsAtT0: '{"products":"0:4"}' }), deps, (m) =>
      said.push(m),
    ),
  ).rejects.toThrow(
    "ingestion job 'ns-ingest-products' did not commit offsets 0:4 of 'ns.products' in time (committed 0:1)",
  );
  expect(said).toEqual(['dimension products: ingestion committed 0:1; needed 0:4']);
  expect(
    await pinDimensions({ dimensions: [] } as unknown as MetricRuntime, record({}), deps, () => {}),
  ).toBe(undefined);
});

test('the pinned dimension snapshots are read back by name; a malformed record is refused', () => {
  expect(dimensionSnapshotsOf(record({ dimensionSnapshotIds: '{"products":"77"}' }))).toEqual({
    products: '77',
  });
  expect(dimensionSnapshotsOf(record({}))).toEqual({});
  expect(() => dimensionSnapshotsOf(record({ dimensionSnapshotIds: '[1]' }))).toThrow(
    "run record field dimensionSnapshotIds is '[1]': expected a JSON object of dimension name to value",
  );
});
