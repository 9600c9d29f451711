import { expect, test } from 'vitest';
import type { LogOffsets, MasterLedger, TableCatalog } from './ports.ts';
import { pinProvenSnapshot, type IngestedSource } from './provenSnapshot.ts';

const source: IngestedSource = {
  master: { namespace: 'ns', name: 'clicks_master' },
  topic: 'ns.clicks',
  deadLetterTopic: 'ns.dead-letters.clicks',
  ingestionGroupId: 'ns-ingest-clicks',
  ingestionJobName: 'ns-ingest-clicks',
};

/** A master at snapshot 7 holding offsets up to 8 of a log whose end is 10. */
function fakes(committed: string, tailRecords: string[]) {
  let proofs = 0;
  const log = {
    committed: async () => ({ 0: committed }),
    recordOffsets: async () => ({ 0: tailRecords }),
    recentDeadLetters: async () => new Set<string>(),
  } as unknown as LogOffsets;
  const ledger: MasterLedger = {
    highestOffsets: async () => {
      proofs++;
      return { highest: { 0: '8' }, filesRead: 1, unledgeredFiles: 0 };
    },
  };
  const catalog = {
    loadTable: async () => ({ currentSnapshotId: '7' }),
  } as unknown as TableCatalog;
  return {
    deps: { log, ledger, catalog, ingestionTimeoutMs: 60, pollMs: 5 },
    proofs: () => proofs,
  };
}

test('a log ending in transaction markers is proven although Flink’s committed offset stays below its end', async () => {
  // Flink commits the offset after the last record it emitted (9); offset 9 is a commit marker.
  const { deps } = fakes('9', []);
  const pinned = await pinProvenSnapshot(deps, source, { 0: '10' }, () => {});
  expect(pinned.snapshotId).toBe('7');
  expect(pinned.proof.proven).toBe(true);
});

test('while the hint stops short, the proof runs once per snapshot and committed offsets, and the wait names the offsets', async () => {
  // Offset 9 is a record the snapshot does not hold: ingestion has not caught up.
  const { deps, proofs } = fakes('9', ['9']);
  await expect(pinProvenSnapshot(deps, source, { 0: '10' }, () => {})).rejects.toThrow(
    "ingestion job 'ns-ingest-clicks' did not commit offsets 0:10 of 'ns.clicks' in time (committed 0:9)",
  );
  expect(proofs()).toBe(1);
});
