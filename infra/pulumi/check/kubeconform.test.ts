import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import type { LambdalakeSettings } from '../settings.ts';
import VERSIONS from '../versions.json' with { type: 'json' };
import { kubeconform, kubernetesObjects, partitionBySchema } from './kubeconform.ts';
import { installMocks, runProgram } from './mockRun.ts';

beforeAll(installMocks);

// Every mode the program has: each renders different objects.
const variants: [string, Partial<LambdalakeSettings>][] = [
  ['msk + lakekeeper (the example stack)', {}],
  ['strimzi', { kafkaMode: 'strimzi' }],
  ['external catalog', { catalogMode: 'external', catalogUrl: 'https://catalog.example/catalog' }],
  [
    'existing cluster',
    {
      clusterMode: 'existing',
      kubeconfig: pulumi.secret('apiVersion: v1'),
      clusterSecurityGroupId: 'sg-existing',
    },
  ],
];

describe(`rendered Kubernetes objects validate against Kubernetes v${VERSIONS.kubernetesSchemas} and the FlinkDeployment CRD (kubeconform -strict)`, () => {
  test.each(variants)(
    '%s',
    async (label, overrides) => {
      const { resources } = await runProgram(overrides);
      const { validatable: objects, unvalidated } = partitionBySchema(kubernetesObjects(resources));
      const verdict = await kubeconform(objects);
      const problems = verdict.resources
        .filter((r) => r.status !== 'statusValid')
        .map((r) => `${r.kind}/${r.name}: ${r.status} ${r.msg}`);
      const kinds = [...new Set(objects.map((o) => o.kind))].sort().join(', ');
      console.log(
        `infra check [${label}]: kubeconform validated ${objects.length} objects (${kinds}): ` +
          `${verdict.summary.valid} valid, ${verdict.summary.invalid} invalid, ${verdict.summary.errors} errors, ` +
          `${verdict.summary.skipped} skipped → ${problems.length === 0 ? 'PASS' : 'FAIL'}` +
          (unvalidated.length > 0
            ? `; not validated (no schema in any registry): ${unvalidated.length} ${[...new Set(unvalidated.map((o) => o.kind))].join(', ')}`
            : ''),
      );
      expect(problems).toEqual([]);
      expect(verdict.summary.valid).toBe(objects.length);
      expect(objects.length).toBeGreaterThan(10);
    },
    120_000,
  );
});

test('the schemas are those of the version the program deploys', async () => {
  const example = parse(
    await readFile(resolve(import.meta.dirname, '..', 'Pulumi.example.yaml'), 'utf8'),
  ) as { config: Record<string, string> };
  expect(example.config['lambdalake:kubernetesVersion']).toBe(VERSIONS.kubernetes);
  expect(VERSIONS.kubernetesSchemas.startsWith(`${VERSIONS.kubernetes}.`)).toBe(true);
  expect(example.config['lambdalake:flinkOperatorVersion']).toBe(VERSIONS.flinkOperator);
});

describe('the validator is not vacuous', () => {
  test('it refuses an unknown field, a wrong type and a Flink version the CRD does not list', async () => {
    const container = { name: 'c', image: 'x', imagePullPolicie: 'Always' };
    const verdict = await kubeconform([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'typo' },
        spec: {
          selector: { matchLabels: { app: 'a' } },
          template: { metadata: { labels: { app: 'a' } }, spec: { containers: [container] } },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'port' },
        spec: { ports: [{ port: '80' }] },
      },
      {
        apiVersion: 'flink.apache.org/v1beta1',
        kind: 'FlinkDeployment',
        metadata: { name: 'old' },
        spec: { image: 'flink', flinkVersion: 'v9_9', serviceAccount: 'flink' },
      },
    ]);
    // kubeconform reports in completion order (it validates in parallel).
    expect(verdict.resources.map((r) => `${r.name}:${r.status}`).sort()).toEqual([
      'old:statusInvalid',
      'port:statusInvalid',
      'typo:statusInvalid',
    ]);
  });
});
