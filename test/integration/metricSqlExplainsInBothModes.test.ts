import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import { loadProjectOrThrow } from '../../src/control-plane/index.ts';
import { explainMetrics, explainProblems } from '../../src/control-plane/compiler/explainCheck.ts';
import { stackEndpoints } from './stack.ts';

test('Flink plans every example metric in both batch and streaming mode', async () => {
  const project = await loadProjectOrThrow(process.cwd());
  const outcomes = await explainMetrics(project, stackEndpoints().sqlGatewayUrl);
  expect(outcomes.map((o) => o.metric).sort()).toEqual([
    'checkout_funnel',
    'daily_active_users',
    'hourly_revenue',
  ]);
  expect(outcomes.filter((o) => o.batch || o.streaming)).toEqual([]);
});

test("a metric that only works in batch is an error showing both of Flink's messages", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lambdalake-explain-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  cpSync('pipelines', join(dir, 'pipelines'), { recursive: true });
  cpSync('sql', join(dir, 'sql'), { recursive: true });
  // An OVER window ordered by a non-time column cannot run on an unbounded stream.
  writeFileSync(
    join(dir, 'sql/metrics/daily_active_users.sql'),
    [
      'SELECT CAST(FLOOR(event_time TO DAY) AS TIMESTAMP(3)) AS `day`, country, MAX(seen) AS active_users',
      'FROM (SELECT event_time, country, COUNT(*) OVER (PARTITION BY country ORDER BY user_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS seen FROM page_views)',
      'GROUP BY FLOOR(event_time TO DAY), country',
      '',
    ].join('\n'),
  );
  const project = await loadProjectOrThrow(dir);
  const outcomes = await explainMetrics(project, stackEndpoints().sqlGatewayUrl);
  const dau = outcomes.find((o) => o.metric === 'daily_active_users')!;
  expect(dau.batch).toBeNull();
  expect(dau.streaming).toMatch(/time attribute/i);
  const [problem] = explainProblems(project, outcomes);
  expect(problem?.file).toBe('sql/metrics/daily_active_users.sql');
  expect(problem?.message).toContain('in streaming mode only (it plans in batch)');
  expect(problem?.message).toContain('batch:     ok');
  expect(problem?.message).toContain(`streaming: ${dau.streaming}`);
});
