import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, test } from 'vitest';

const repo = resolve(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'lambdalake-plan-derived-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('plan prints a derived metric’s view, in the namespace’s schema, with the input versions it reads', () => {
  cpSync(join(repo, 'test/fixtures/derived'), dir, { recursive: true });
  cpSync(join(repo, 'pipelines/sources'), join(dir, 'pipelines/sources'), { recursive: true });
  const out = execFileSync(
    'node',
    ['bin/lambdalake.mjs', 'plan', 'conversion_rate', '--dir', dir, '--json'],
    { cwd: repo, env: { ...process.env, LAMBDALAKE_NAMESPACE: 'analytics_dev' }, encoding: 'utf8' },
  );
  const plans = JSON.parse(out) as {
    metric: string;
    derived?: boolean;
    view?: string;
    inputs?: { metric: string; version: string }[];
    viewSql?: string;
  }[];
  expect(plans.map((p) => p.metric)).toEqual(['conversion_rate']);
  const [plan] = plans;
  expect(plan!.view).toBe('analytics_dev.conversion_rate');
  expect(plan!.inputs!.map((i) => i.metric)).toEqual([
    'purchases_by_country',
    'product_views_by_country',
  ]);
  expect(plan!.viewSql).toContain('FROM "analytics_dev"."product_views_by_country"');
  for (const input of plan!.inputs!)
    expect(plan!.viewSql).toContain(`${input.metric} v${input.version}`);
}, 30_000);
