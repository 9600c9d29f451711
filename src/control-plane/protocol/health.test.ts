import { expect, test } from 'vitest';
import { metricHealth, RECENT_FAILURE_MS, sourceHealth, type ObservedJob } from './health.ts';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const job = (state: string, failures: ObservedJob['failures'] = []): ObservedJob => ({
  jobId: 'j1',
  state,
  failures,
  detailsUrl: 'http://flink/#/job/running/j1/exceptions',
});
const crash = {
  timestampMs: NOW - 30_000,
  rootCause: 'IOException: Failed to deserialize consumer record due to',
};

test('a running job without failures is healthy; dead letters are not a reason to be unhealthy', () => {
  expect(sourceHealth(job('RUNNING'), NOW)).toEqual({ verdict: 'healthy', problems: [] });
});

test('a restarting job is unhealthy with its root cause in one line and where to read more', () => {
  expect(sourceHealth(job('RESTARTING', [crash]), NOW)).toEqual({
    verdict: 'unhealthy',
    problems: [
      'ingestion job j1 is RESTARTING: IOException: Failed to deserialize consumer record due to (see http://flink/#/job/running/j1/exceptions); lambdalake deploy starts it again',
    ],
  });
});

test('a crash loop caught while RUNNING is unhealthy; a failure long ago is not', () => {
  expect(sourceHealth(job('RUNNING', [crash, crash]), NOW).problems).toEqual([
    'ingestion job j1 failed 2 time(s) in the last 10 min: IOException: Failed to deserialize consumer record due to (see http://flink/#/job/running/j1/exceptions)',
  ]);
  const old = { ...crash, timestampMs: NOW - RECENT_FAILURE_MS - 1 };
  expect(sourceHealth(job('RUNNING', [old]), NOW).verdict).toBe('healthy');
});

test('a missing job, a failed batch and an unserved version each make a metric unhealthy', () => {
  const health = metricHealth(
    {
      speedJob: null,
      lastRun: { state: 'failed', error: 'not_null: 3 row(s) with NULL campaign' },
      version: 'abc',
      servedVersion: 'old',
    },
    NOW,
  );
  expect(health.verdict).toBe('unhealthy');
  expect(health.problems).toEqual([
    'speed job is not running: run lambdalake deploy',
    'the last batch run failed: not_null: 3 row(s) with NULL campaign',
    'version abc is defined but old is served: run lambdalake deploy',
  ]);
});
