import { expect, test } from 'vitest';
import { cli } from './support/cli.ts';

// `npm start` as a user runs it, in the default namespace (views served as metrics.<metric>):
// the CLI in a child process against the shared stack, with fewer events to keep it short.
test('the demo deploys, streams, measures freshness, shows the union views before and after a batch cycle, and prints the psql line', async () => {
  const run = await cli(['demo', '--json', '--events', '600', '--seed', '7'], {
    LAMBDALAKE_NAMESPACE: 'lambdalake',
  });
  expect(run.stderr).not.toMatch(/^error:/m);
  expect(run.code).toBe(0);
  const figures = JSON.parse(run.stdout) as {
    events: number;
    freshnessMs: number | null;
    batch: { metric: string; state: string }[];
  };
  expect(figures.events).toBeGreaterThanOrEqual(600);
  expect(figures.freshnessMs).not.toBeNull();
  expect(figures.batch.map((b) => [b.metric, b.state])).toEqual([
    ['checkout_funnel', 'done'],
    ['daily_active_users', 'done'],
    ['hourly_revenue', 'done'],
  ]);
  const before = run.stderr.indexOf('before the batch cycle');
  const after = run.stderr.indexOf('after the batch cycle');
  expect(before).toBeGreaterThan(0);
  expect(after).toBeGreaterThan(before);
  // Each of the two showings has a table with at least one hourly_revenue row (a product).
  for (const part of [run.stderr.slice(before, after), run.stderr.slice(after)])
    expect(part).toMatch(/│ \d{4}-\d{2}-\d{2} \d{2}:\d{2} │ \S+/);
  expect(run.stderr).toMatch(
    /psql "postgres:\/\/lambdalake@127\.0\.0\.1:\d+\/lambdalake\?sslmode=disable" -c 'SELECT \* FROM metrics\.hourly_revenue/,
  );
}, 300_000);
