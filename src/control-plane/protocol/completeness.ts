/**
 * The completeness proof of DESIGN §5: the pinned master snapshot holds every record of the
 * source up to the log-end offsets taken at T0, shown on the snapshot itself.
 *
 * The argument. Each master row carries its Kafka partition and offset (compiler/ledger.ts). A
 * Flink source reads a partition in offset order, and with aligned checkpoints (the default) every
 * record a source emitted before checkpoint n's barrier is in the files committed for n or
 * earlier, whatever the ingestion parallelism and however the records are shuffled to the writers.
 * So if a snapshot holds offset o of partition p, it holds every valid record of p below o. What
 * remains is the tail above the highest offset held: it must consist only of dead letters (flushed
 * before the same checkpoint completes) or of no data records at all (transaction markers). The
 * ingestion group's committed offsets are only the hint for when to look: with an unchained
 * committer they can run ahead of the Iceberg commit, which is what this proof catches.
 */
import type { PartitionOffsets } from './ingestionProgress.ts';
import type { LogOffsets, MasterLedger, TableRef } from './ports.ts';

/** How far below T0's log end the proof looks for the highest held offset before giving up. */
export const TAIL_WINDOW = 1000n;

export interface CompletenessProof {
  proven: boolean;
  /** Partitions whose tail above the highest held offset has records neither held nor dead letters. */
  missing: Record<number, { highestHeld: string | null; needed: string; unaccounted: number }>;
  /** Records of the tails found among the dead letters. */
  deadLettersInTail: number;
  /**
   * Partitions with nothing in the ledger of a master whose older rows were written before it had
   * one (an upgraded deployment): only the committed offsets vouch for them, as before the ledger.
   */
  inferred: number[];
  filesRead: number;
}

export interface CompletenessInput {
  master: TableRef;
  snapshotId: string;
  sourceTopic: string;
  deadLetterTopic: string;
  /** Log-end offsets at T0. */
  target: PartitionOffsets;
}

export async function proveCompleteness(
  deps: { ledger: MasterLedger; log: LogOffsets },
  input: CompletenessInput,
): Promise<CompletenessProof> {
  const needed = Object.entries(input.target)
    .map(([p, end]) => ({ partition: Number(p), end: BigInt(end) }))
    .filter((p) => p.end > 0n);
  const proof: CompletenessProof = {
    proven: true,
    missing: {},
    deadLettersInTail: 0,
    filesRead: 0,
    inferred: [],
  };
  if (needed.length === 0) return proof;
  const from = Object.fromEntries(
    needed.map((p) => [p.partition, String(max(0n, p.end - 1n - TAIL_WINDOW))]),
  );
  const { highest, filesRead, unledgeredFiles } = input.snapshotId
    ? await deps.ledger.highestOffsets(input.master, input.snapshotId, input.sourceTopic, from)
    : { highest: {} as Record<number, string | null>, filesRead: 0, unledgeredFiles: 0 };
  proof.filesRead = filesRead;

  // The usual case: the last record before T0 is held, so every earlier one is.
  const tails: { partition: number; from: string; to: string }[] = [];
  for (const { partition, end } of needed) {
    const held = highest[partition] ?? null;
    if (held !== null && BigInt(held) >= end - 1n) continue;
    const start = held !== null ? BigInt(held) + 1n : BigInt(from[partition]!);
    if (held === null && unledgeredFiles > 0) {
      proof.inferred.push(partition);
      continue;
    }
    if (held === null && start > 0n) {
      // Nothing held in the window: the master lags by more than it; the tail is not read.
      proof.proven = false;
      proof.missing[partition] = { highestHeld: null, needed: String(end), unaccounted: -1 };
      continue;
    }
    tails.push({ partition, from: String(start), to: String(end) });
  }
  if (tails.length === 0) return proof;

  const records = await deps.log.recordOffsets(input.sourceTopic, tails);
  const tailSize = tails.reduce((n, t) => n + Number(BigInt(t.to) - BigInt(t.from)), 0);
  const letters = await deps.log.recentDeadLetters(
    input.deadLetterTopic,
    input.sourceTopic,
    tailSize + Number(TAIL_WINDOW),
  );
  for (const tail of tails) {
    const offsets = records[tail.partition] ?? [];
    const dead = offsets.filter((o) => letters.has(`${tail.partition}:${o}`)).length;
    proof.deadLettersInTail += dead;
    if (dead < offsets.length) {
      proof.proven = false;
      proof.missing[tail.partition] = {
        highestHeld: highest[tail.partition] ?? null,
        needed: tail.to,
        unaccounted: offsets.length - dead,
      };
    }
  }
  return proof;
}

/** One line for the run record and progress output. */
export function describeProof(proof: CompletenessProof): string {
  if (proof.proven)
    return `proven on the master snapshot (${proof.filesRead} data file(s) read, ${proof.deadLettersInTail} dead letter(s) in the tail)${proof.inferred.length > 0 ? `; partition(s) ${proof.inferred.join(', ')} inferred from committed offsets (master rows written before offsets were recorded)` : ''}`;
  return `not proven: ${Object.entries(proof.missing)
    .map(
      ([p, m]) =>
        `partition ${p} holds up to offset ${m.highestHeld ?? 'none in the last ' + String(TAIL_WINDOW)}, needs ${BigInt(m.needed) - 1n}${m.unaccounted > 0 ? ` (${m.unaccounted} record(s) neither held nor dead letters)` : ''}`,
    )
    .join('; ')}`;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
