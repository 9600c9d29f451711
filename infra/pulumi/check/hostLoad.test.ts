import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { parse } from 'yaml';
import {
  type HostConfig,
  type HostRun,
  readRuntimeOptions,
  runLikePulumiHost,
} from './pulumiHost.ts';

const projectDir = resolve(import.meta.dirname, '..');

/**
 * Pulumi.example.yaml as `pulumi config` hands it to the host: `<ns>:config:<key>` → string
 * (objects as JSON); `{ secure: … }` values get stand-ins and are listed as secret keys. So the
 * documented example itself is what must load and pass the program's setting checks.
 */
async function exampleConfig(): Promise<HostConfig> {
  const example = parse(await readFile(join(projectDir, 'Pulumi.example.yaml'), 'utf8')) as {
    config: Record<string, unknown>;
  };
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(example.config)) {
    const [ns, name] = key.split(':');
    const hostKey = `${ns}:config:${name}`;
    if (value && typeof value === 'object' && 'secure' in value) {
      values[hostKey] = `host-check-${name}`;
      secretKeys.push(hostKey);
    } else values[hostKey] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return { values, secretKeys };
}

let run: HostRun;
beforeAll(async () => {
  run = await runLikePulumiHost(projectDir, await exampleConfig());
}, 180_000);

test('the program loads and runs a preview the way Pulumi’s Node.js host starts it', async () => {
  const options = await readRuntimeOptions(projectDir);
  const context = `node ${run.argv.join(' ')}\n${run.stderr}\n${run.diagnostics.join('\n')}`;
  expect(run.exitCode, context).toBe(0);
  expect(
    run.diagnostics.filter((d) => d.startsWith('error')),
    context,
  ).toEqual([]);
  expect(run.duplicateUrns, context).toEqual([]);
  // Not a loader that happened to exit 0: the program registered its stack and its resources.
  expect(run.registrations.map((r) => r.type)).toContain('pulumi:pulumi:Stack');
  expect(run.registrations.filter((r) => r.custom).length).toBeGreaterThan(40);
  console.log(
    `pulumi host check: node ${options.nodeargs.join(' ')} (typescript: ${options.typescript}) ` +
      `registered ${run.registrations.length} resources, 0 errors, 0 duplicate URNs`,
  );
});

test('everything placed in a namespace the program creates waits for that Namespace', () => {
  // A namespace passed as a plain string lets Pulumi (and Helm) create objects before their
  // namespace exists; passed as the Namespace's output, the engine orders them.
  const namespaces = new Map(
    run.registrations
      .filter((r) => r.type === 'kubernetes:core/v1:Namespace')
      .map((r) => [(r.inputs.metadata as { name: string }).name, r.urn]),
  );
  expect([...namespaces.keys()].sort()).toEqual(['flink', 'iceberg-catalog', 'lambdalake']);
  const placed = run.registrations.flatMap((r) => {
    const ns =
      r.type === 'kubernetes:helm.sh/v3:Release'
        ? (r.inputs.namespace as string | undefined)
        : (r.inputs.metadata as { namespace?: string } | undefined)?.namespace;
    return r.type.startsWith('kubernetes:') && ns && namespaces.has(ns) ? [{ r, ns }] : [];
  });
  const orphans = placed
    .filter(({ r, ns }) => !r.dependencies.includes(namespaces.get(ns)!))
    .map(({ r, ns }) => `${r.type} ${r.name} in ${ns}`);
  expect(orphans).toEqual([]);
  expect(placed.length).toBeGreaterThan(15);
});

test('the deploy Job waits for serving (it registers union views there), and the scheduler for it', () => {
  const urn = (type: string, prefix: string) =>
    run.registrations.find((r) => r.type === type && r.name.startsWith(prefix))!;
  const serving = urn('kubernetes:apps/v1:Deployment', 'lambdalake-serving');
  const job = urn('kubernetes:batch/v1:Job', 'lambdalake-deploy');
  const scheduler = urn('kubernetes:apps/v1:Deployment', 'lambdalake-scheduler');
  expect(job.dependencies).toContain(serving.urn);
  expect(serving.dependencies).not.toContain(job.urn);
  expect(scheduler.dependencies).toContain(job.urn);
});
