import { expect, test } from 'vitest';
import type { LogOffsets, MetricRuntime } from './ports.ts';
import { awaitSpeedCaughtUp } from './speedCatchUp.ts';

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
