/**
 * Pins a master snapshot that provably holds every record below the log end at T0
 * (completeness.ts): the ingestion group's committed offsets say when to look; the proof, on the
 * snapshot itself, says whether it may be pinned. The batch cycle pins the fact master this way,
 * then each joined dimension's master (dimensionPins.ts).
 */
import { describeProof, proveCompleteness, type CompletenessProof } from './completeness.ts';
import { formatOffsets, offsetsReached, type PartitionOffsets } from './ingestionProgress.ts';
import { pollUntil } from './poll.ts';
import type { LogOffsets, MasterLedger, TableCatalog, TableRef } from './ports.ts';

/** A source as the proof reads it: its master, topic, dead letters and ingestion group. */
export interface IngestedSource {
  master: TableRef;
  topic: string;
  deadLetterTopic: string;
  ingestionGroupId: string;
  ingestionJobName: string;
}

export interface ProofDeps {
  catalog: TableCatalog;
  log: LogOffsets;
  ledger: MasterLedger;
  ingestionTimeoutMs?: number;
  pollMs?: number;
}

/** Polls (bounded) until the source's current master snapshot is proven complete up to `target`. */
export async function pinProvenSnapshot(
  deps: ProofDeps,
  source: IngestedSource,
  target: PartitionOffsets,
  say: (message: string) => void,
): Promise<{ snapshotId: string; proof: CompletenessProof }> {
  let committed: Record<number, string> = {};
  let lastProof: CompletenessProof | null = null;
  const pinned = await pollUntil(
    async () => {
      committed = await deps.log.committed(source.ingestionGroupId, source.topic);
      if (!offsetsReached(committed, target)) return undefined;
      const master = await deps.catalog.loadTable(source.master);
      const snapshotId = master?.currentSnapshotId ?? '';
      const proof = await proveCompleteness(deps, {
        master: source.master,
        snapshotId,
        sourceTopic: source.topic,
        deadLetterTopic: source.deadLetterTopic,
        target,
      });
      if (!proof.proven && describeProof(proof) !== describeProof(lastProof ?? proof))
        say(`master snapshot ${snapshotId || '(none)'}: ${describeProof(proof)}`);
      lastProof = proof;
      return proof.proven ? { snapshotId, proof } : undefined;
    },
    {
      timeoutMs: deps.ingestionTimeoutMs ?? 120_000,
      pollMs: deps.pollMs,
      reason: () => {
        if (lastProof)
          return `the master table of '${source.topic}' does not hold every record up to ${formatOffsets(target)} although ingestion job '${source.ingestionJobName}' committed ${formatOffsets(committed)}: ${describeProof(lastProof)}`;
        say(`ingestion committed ${formatOffsets(committed)}; needed ${formatOffsets(target)}`);
        return `ingestion job '${source.ingestionJobName}' did not commit offsets ${formatOffsets(target)} of '${source.topic}' in time (committed ${formatOffsets(committed) || 'nothing'})`;
      },
    },
  );
  say(`master snapshot ${pinned.snapshotId || '(none)'} pinned: ${describeProof(pinned.proof)}`);
  return pinned;
}
