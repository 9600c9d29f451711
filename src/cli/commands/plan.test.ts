import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';

const repo = resolve(import.meta.dirname, '..', '..', '..');

test('plan prints the scripts with the bindings deploy would use, port offset and namespace included', () => {
  const out = execFileSync('node', ['bin/lambdalake.mjs', 'plan', 'hourly_revenue', '--json'], {
    cwd: repo,
    env: { ...process.env, LAMBDALAKE_PORT_OFFSET: '3000', LAMBDALAKE_NAMESPACE: 'analytics_dev' },
    encoding: 'utf8',
  });
  const [plan] = JSON.parse(out) as {
    cutover: string;
    batchScript: string;
    streamingScript: string;
    speedTopic: string;
  }[];
  expect(plan!.batchScript).toContain("'uri' = 'http://127.0.0.1:21181'");
  expect(plan!.streamingScript).toContain("'properties.bootstrap.servers' = '127.0.0.1:22092'");
  expect(plan!.speedTopic).toMatch(/^analytics_dev\.speed\.hourly_revenue\.v[0-9a-f]{8}$/);
  // The cutover a first deploy would choose: floor_to_grain(now - lateness), an hour here.
  expect(Date.parse(plan!.cutover) % 3_600_000).toBe(0);
}, 30_000);
