import { describe, expect, test } from 'vitest';
import { describeProof, proveCompleteness, TAIL_WINDOW } from './completeness.ts';
import type { LogOffsets, MasterLedger } from './ports.ts';

const master = { namespace: 'lambdalake', name: 'clicks_master' };

function deps(
  held: Record<number, string | null>,
  records: Record<number, string[]> = {},
  deadLetters: string[] = [],
  unledgeredFiles = 0,
) {
  const asked: { from?: Record<number, string>; tails?: unknown } = {};
  const ledger: MasterLedger = {
    highestOffsets: async (_t, _s, _topic, from) => {
      asked.from = from;
      return { highest: held, filesRead: 2, unledgeredFiles };
    },
  };
  const log: LogOffsets = {
    logEnd: async () => ({}),
    committed: async () => ({}),
    recordOffsets: async (_topic, ranges) => {
      asked.tails = ranges;
      return records;
    },
    recentDeadLetters: async () => new Set(deadLetters),
  };
  return { ledger, log, asked };
}

const input = (target: Record<number, string>, snapshotId = '77') => ({
  master,
  snapshotId,
  sourceTopic: 'clicks',
  deadLetterTopic: 'lambdalake.dead-letters.clicks',
  target,
});

describe('the completeness proof on a pinned master snapshot', () => {
  test('every partition holds its last record before T0: proven without reading Kafka', async () => {
    const d = deps({ 0: '199', 1: '40', 2: '5000' });
    const proof = await proveCompleteness(d, input({ 0: '200', 1: '41', 2: '3000', 3: '0' }));
    expect(proof.proven).toBe(true);
    expect(d.asked.tails).toBeUndefined();
    // Only the last TAIL_WINDOW offsets are looked at; the empty partition 3 not at all.
    expect(d.asked.from).toEqual({ 0: '0', 1: '0', 2: String(3000n - 1n - TAIL_WINDOW) });
  });

  test('a tail of dead letters after the highest held offset is complete', async () => {
    const d = deps({ 0: '197' }, { 0: ['198', '199'] }, ['0:198', '0:199', '1:5']);
    const proof = await proveCompleteness(d, input({ 0: '200' }));
    expect(proof).toMatchObject({ proven: true, deadLettersInTail: 2 });
    expect(d.asked.tails).toEqual([{ partition: 0, from: '198', to: '200' }]);
  });

  test('offsets without data records (transaction markers) need nothing', async () => {
    const d = deps({ 0: '197' }, { 0: [] });
    expect((await proveCompleteness(d, input({ 0: '200' }))).proven).toBe(true);
  });

  test('committed offsets ahead of the master (an unchained committer): not proven, and says where', async () => {
    const d = deps({ 0: '150', 1: '41' }, { 0: ['151', '152', '199'] }, ['0:152']);
    const proof = await proveCompleteness(d, input({ 0: '200', 1: '42' }));
    expect(proof.proven).toBe(false);
    expect(proof.missing).toEqual({ 0: { highestHeld: '150', needed: '200', unaccounted: 2 } });
    expect(describeProof(proof)).toBe(
      'not proven: partition 0 holds up to offset 150, needs 199 (2 record(s) neither held nor dead letters)',
    );
  });

  test('a master lagging by more than the window is not proven without reading the tail', async () => {
    const d = deps({ 0: null });
    const proof = await proveCompleteness(d, input({ 0: '5000' }));
    expect(proof.proven).toBe(false);
    expect(d.asked.tails).toBeUndefined();
  });

  test('a partition with no ledger rows in a master upgraded from before the ledger is inferred, and says so', async () => {
    const d = deps({ 0: '4999', 1: null, 2: null }, {}, [], 3);
    // Partition 2's whole history (420 records) was ingested before the ledger existed.
    const proof = await proveCompleteness(d, input({ 0: '5000', 1: '5000', 2: '420' }));
    expect(proof).toMatchObject({ proven: true, inferred: [1, 2] });
    expect(describeProof(proof)).toBe(
      'proven on the master snapshot (2 data file(s) read, 0 dead letter(s) in the tail); partition(s) 1, 2 inferred from committed offsets (master rows written before offsets were recorded)',
    );
  });

  test('an empty master (no snapshot) is complete only if every record is a dead letter', async () => {
    const bad = deps({}, { 0: ['0', '1'] }, ['0:0']);
    expect((await proveCompleteness(bad, input({ 0: '2' }, ''))).proven).toBe(false);
    const good = deps({}, { 0: ['0', '1'] }, ['0:0', '0:1']);
    expect((await proveCompleteness(good, input({ 0: '2' }, ''))).proven).toBe(true);
  });
});
