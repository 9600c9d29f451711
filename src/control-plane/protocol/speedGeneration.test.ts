import { expect, test } from 'vitest';
import {
  atSpeedGeneration,
  SPEED_GENERATION_PROPERTY,
  SPEED_RUNNING_GENERATION_PROPERTY,
  speedGenerations,
} from './speedGeneration.ts';
import type { MetricRuntime } from './ports.ts';

test('a table without generations serves and runs generation 0; a bad value reads as 0', () => {
  expect(speedGenerations({})).toEqual({ served: 0, running: 0 });
  expect(speedGenerations({ [SPEED_GENERATION_PROPERTY]: 'x' })).toEqual({ served: 0, running: 0 });
});

test('the running generation is never behind the served one', () => {
  expect(
    speedGenerations({
      [SPEED_GENERATION_PROPERTY]: '1',
      [SPEED_RUNNING_GENERATION_PROPERTY]: '2',
    }),
  ).toEqual({ served: 1, running: 2 });
  expect(speedGenerations({ [SPEED_GENERATION_PROPERTY]: '3' })).toEqual({
    served: 3,
    running: 3,
  });
});

test('generation 0 keeps the compiled names; a later one gets its own topic and group', () => {
  const runtime = {
    metric: 'sales',
    version: 'abc',
    batchTable: { namespace: 'ns', name: 'sales__vabc' },
    speedTopic: 'ns.speed.sales.vabc',
    speedGroupId: 'ns-speed-sales-vabc',
  } as MetricRuntime;
  expect(atSpeedGeneration(runtime, 0)).toMatchObject({
    speedTopic: 'ns.speed.sales.vabc',
    speedGroupId: 'ns-speed-sales-vabc',
  });
  expect(atSpeedGeneration(runtime, 2)).toMatchObject({
    speedTopic: 'ns.speed.sales.vabc.g2',
    speedGroupId: 'ns-speed-sales-vabc-g2',
  });
});
