import { beforeAll, describe, expect, test } from 'vitest';
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
