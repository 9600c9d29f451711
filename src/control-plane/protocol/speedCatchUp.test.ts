import { expect, test } from 'vitest';
import type { LogOffsets, MetricRuntime } from './ports.ts';
import { awaitSpeedCaughtUp } from './speedCatchUp.ts';

/** Every offset of each range as a data record: a fake log without transaction markers. */
function everyOffset(
  ranges: { partition: number; from: string; to: string }[],
): Record<number, string[]> {
  return Object.fromEntries(
    ranges.map((r) => [
      r.partition,
      Array.from({ length: Number(BigInt(r.to) - BigInt(r.from)) }, (_, i) =>
        String(BigInt(r.from) + BigInt(i)),
      ),
    ]),
  );
}

const metric = {
  metric: 'revenue_by_category',
  version: 'v1',
  sourceTopic: 'ns.sales',
  speedGroupId: 'ns-speed-revenue_by_category-v1',
  dimensions: [{ name: 'products', topic: 'ns.products' }],
} as unknown as MetricRuntime;

test("a version joining a dimension is caught up only once its speed job has also read the dimension's topic to its end", async () => {
  const ends: Record<string, Record<number, string>> = {
    'ns.sales': { 0: '10' },
    'ns.products': { 0: '4' },
  };
  const committed: Record<string, Record<number, string>> = {
    'ns.sales': { 0: '10' },
    'ns.products': { 0: '1' },
  };
  const log = {
    logEnd: async (topic: string) => ends[topic]!,
    committed: async (group: string, topic: string) => {
      expect(group).toBe('ns-speed-revenue_by_category-v1');
      return committed[topic]!;
    },
    // A log without transaction markers: every offset holds a record.
    recordOffsets: async (
      _topic: string,
      ranges: { partition: number; from: string; to: string }[],
    ) => everyOffset(ranges),
  } as unknown as LogOffsets;
  const said: string[] = [];
  await expect(
    awaitSpeedCaughtUp(metric, log, { timeoutMs: 50, pollMs: 5, say: (m) => said.push(m) }),
  ).rejects.toThrow(
    "has not consumed 'ns.products' up to 0:4 (committed 0:1, 3 behind); serving keeps the previous version",
  );
  expect(said).toEqual(["speed job of version v1: 3 record(s) of 'ns.products' behind 0:4"]);
  committed['ns.products'] = { 0: '4' };
  expect(
    await awaitSpeedCaughtUp(metric, log, { timeoutMs: 50, pollMs: 5, say: () => undefined }),
  ).toEqual({ 0: '10' });
});

test('a log ending in transaction markers is caught up although the committed offset stays below its end', async () => {
  const log = {
    logEnd: async (topic: string) => (topic === 'ns.sales' ? { 0: '10', 1: '7' } : { 0: '4' }),
    // Flink commits the offset after the last record it read: 9 before a commit marker at 9, and
    // 5 before an aborted transaction at 5 and its marker at 6.
    committed: async (_group: string, topic: string) =>
      topic === 'ns.sales' ? { 0: '9', 1: '5' } : { 0: '4' },
    recordOffsets: async () => ({ 0: [], 1: [] }),
  } as unknown as LogOffsets;
  expect(
    await awaitSpeedCaughtUp(metric, log, { timeoutMs: 50, pollMs: 5, say: () => undefined }),
  ).toEqual({ 0: '9', 1: '5' });
});
