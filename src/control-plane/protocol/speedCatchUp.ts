/**
 * "Only what is caught up is served" (DESIGN §5), on the control plane's side: a union view
 * switches to a version only once that version's speed JOB (not only serving's loader) has
 * consumed its source up to the log end taken at switch time. Flink commits the speed job's Kafka
 * offsets to its consumer group on each checkpoint, so the group's committed offsets are a lower
 * bound of what the job has folded into its speed topic.
 */
import { formatOffsets, offsetsReached, type PartitionOffsets } from './ingestionProgress.ts';
import { pollUntil } from './poll.ts';
import type { LogOffsets, MetricRuntime } from './ports.ts';

/** Records the speed job still has to consume to reach `target` (0 when it has). */
export function recordsBehind(committed: PartitionOffsets, target: PartitionOffsets): bigint {
  let behind = 0n;
  for (const [partition, end] of Object.entries(target)) {
    const at = BigInt(committed[Number(partition)] ?? '0');
    const missing = BigInt(end) - (at < 0n ? 0n : at);
    if (missing > 0n) behind += missing;
  }
  return behind;
}

/**
 * Waits (bounded, retriable on timeout) until the speed job has consumed the log end read now: of
 * its fact source, then of each dimension it joins (a version whose job has not read a dimension
 * to its end would serve events without their dimension rows). Answers the fact's committed offsets.
 */
export async function awaitSpeedCaughtUp(
  metric: MetricRuntime,
  log: LogOffsets,
  options: { timeoutMs?: number; pollMs?: number; say: (message: string) => void },
): Promise<PartitionOffsets> {
  const committed = await awaitTopicConsumed(metric, metric.sourceTopic, log, options);
  for (const d of metric.dimensions ?? []) await awaitTopicConsumed(metric, d.topic, log, options);
  return committed;
}

async function awaitTopicConsumed(
  metric: MetricRuntime,
  topic: string,
  log: LogOffsets,
  options: { timeoutMs?: number; pollMs?: number; say: (message: string) => void },
): Promise<PartitionOffsets> {
  const target = await log.logEnd(topic);
  let committed: PartitionOffsets = {};
  let reported = -1n;
  return pollUntil(
    async () => {
      committed = await log.committed(metric.speedGroupId, topic);
      if (offsetsReached(committed, target)) return committed;
      const behind = recordsBehind(committed, target);
      if (behind !== reported)
        options.say(
          `speed job of version ${metric.version}: ${behind} record(s)${topic === metric.sourceTopic ? '' : ` of '${topic}'`} behind ${formatOffsets(target)}`,
        );
      reported = behind;
      return undefined;
    },
    {
      timeoutMs: options.timeoutMs ?? 180_000,
      pollMs: options.pollMs ?? 500,
      reason: () =>
        `the speed job of ${metric.metric} version ${metric.version} has not consumed '${topic}' up to ${formatOffsets(target)} (committed ${formatOffsets(committed) || 'nothing'}, ${recordsBehind(committed, target)} behind); serving keeps the previous version: run the command again`,
    },
  );
}
