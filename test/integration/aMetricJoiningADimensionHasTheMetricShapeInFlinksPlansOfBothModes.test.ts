import { expect, test } from 'vitest';
import { loadProjectOrThrow } from '../../src/control-plane/index.ts';
import { explainMetrics } from '../../src/control-plane/compiler/explainCheck.ts';
import { stackEndpoints } from './stack.ts';

test('a metric joining a dimension plans in both modes, grouped by exactly the grain and keys (the dimension bound as each mode binds it)', async () => {
  const project = await loadProjectOrThrow('test/fixtures/dimensions');
  const outcomes = await explainMetrics(project, stackEndpoints().sqlGatewayUrl);
  expect(outcomes.map((o) => [o.metric, o.batch, o.streaming, o.findings])).toEqual([
    ['revenue_by_category', null, null, []],
  ]);
});
