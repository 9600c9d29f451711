import { ControlPlaneError } from '../errors.ts';

/** Offsets per partition of one topic, as exact decimal strings (Kafka offsets are int64). */
export type PartitionOffsets = Record<number, string>;

/**
 * True when every partition's committed offset has reached the target. An empty partition
 * (target 0) is reached even if nothing was ever committed (-1).
 */
export function offsetsReached(committed: PartitionOffsets, target: PartitionOffsets): boolean {
  return Object.entries(target).every(([partition, end]) => {
    if (BigInt(end) === 0n) return true;
    const at = committed[Number(partition)];
    return at !== undefined && BigInt(at) >= BigInt(end);
  });
}

/** "0:200,1:37": how a run record stores offsets, readable in table properties. */
export function formatOffsets(offsets: PartitionOffsets): string {
  return Object.entries(offsets)
    .map(([p, o]) => `${p}:${o}`)
    .join(',');
}

export function parseOffsets(text: string): PartitionOffsets {
  if (text.trim() === '') return {};
  return Object.fromEntries(
    text.split(',').map((pair) => {
      const [p, o] = pair.split(':');
      if (p === undefined || o === undefined || !/^\d+$/.test(p) || !/^-?\d+$/.test(o)) {
        throw new ControlPlaneError(
          'bad-input',
          `bad offsets '${text}': expected partition:offset pairs joined by commas`,
          false,
        );
      }
      return [Number(p), o];
    }),
  );
}
