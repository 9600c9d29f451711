import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { autonameSuffix, type Registered, unwrapSecrets } from './mockRun.ts';

/** A Kubernetes object as the provider would send it to the API server. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * The Kubernetes objects among the registrations: `kubernetes:<group>/<version>:<Kind>` tokens,
 * minus Helm releases (rendered by the provider, not by us) and providers. Names Pulumi would
 * auto-generate get the resource name, so that the validator's messages point at the resource.
 */
export function kubernetesObjects(resources: Registered[]): KubernetesObject[] {
  return resources
    .filter((r) => /^kubernetes:[^:]+\/[^:]+:[A-Za-z]+$/.test(r.type))
    .filter((r) => r.type !== 'kubernetes:helm.sh/v3:Release')
    .map((r) => {
      const [, groupVersion = '', kind = ''] = r.type.split(':');
      const apiVersion = groupVersion.replace(/^core\//, '');
      const inputs = unwrapSecrets(r.inputs) as Partial<KubernetesObject>;
      return {
        ...inputs,
        apiVersion,
        kind,
        metadata: {
          ...(inputs.metadata ?? {}),
          name: inputs.metadata?.name ?? `${r.name}-${autonameSuffix(r.name)}`,
        },
      };
    });
}

/**
 * API groups no registry reachable from CI ships a schema for: Strimzi publishes its CRDs with
 * its GitHub releases and Helm chart only (Maven Central's io.strimzi:api 1.2.0 carries the model
 * classes, no CRD YAML). Objects of these groups are counted and reported, not validated.
 */
export const UNVALIDATED_GROUPS: Record<string, string> = {
  'kafka.strimzi.io': 'Strimzi CRDs are not published to any package registry',
};

/** Splits objects into those kubeconform can validate and those of UNVALIDATED_GROUPS. */
export function partitionBySchema(objects: KubernetesObject[]): {
  validatable: KubernetesObject[];
  unvalidated: KubernetesObject[];
} {
  const group = (o: KubernetesObject) =>
    o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '';
  return {
    validatable: objects.filter((o) => !(group(o) in UNVALIDATED_GROUPS)),
    unvalidated: objects.filter((o) => group(o) in UNVALIDATED_GROUPS),
  };
}

/** Where scripts/infra-schemas.sh put the validator and the schemas. */
export function schemaRoot(): string {
  const cache =
    process.env.LAMBDALAKE_CACHE ??
    join(process.env.LAMBDALAKE_HOME ?? join(homedir(), '.lambdalake'), 'cache');
  return join(cache, 'infra-schemas');
}

export interface ValidationResult {
  kind: string;
  name: string;
  status: 'statusValid' | 'statusInvalid' | 'statusError' | 'statusSkipped' | 'statusEmpty';
  msg: string;
}

export interface Verdict {
  resources: ValidationResult[];
  summary: { valid: number; invalid: number; errors: number; skipped: number };
}

/**
 * Validates the objects with kubeconform (strict: unknown fields are errors) against the
 * Kubernetes schemas of the targeted version and the FlinkDeployment CRD schema. Kinds without
 * any schema are errors too (no -ignore-missing-schemas): a check that skips is not a check.
 */
export async function kubeconform(objects: KubernetesObject[]): Promise<Verdict> {
  const root = schemaRoot();
  const binary = join(root, 'bin', 'kubeconform');
  if (!existsSync(binary) || !existsSync(join(root, 'kubernetes', '.complete')))
    throw new Error(
      `kubeconform or its schemas are missing under ${root}: run scripts/infra-schemas.sh (npm run infra:check does)`,
    );
  const dir = await mkdtemp(join(tmpdir(), 'lambdalake-kubeconform-'));
  try {
    const file = join(dir, 'objects.yaml');
    // JSON is YAML: one document per object.
    await writeFile(file, objects.map((o) => JSON.stringify(o)).join('\n---\n'));
    const template = '{{ .ResourceKind }}{{ .KindSuffix }}.json';
    const args = [
      '-strict',
      '-summary',
      '-output', 'json',
      '-verbose',
      '-n', '2',
      '-schema-location', join(root, 'kubernetes', template),
      '-schema-location', join(root, 'flink-operator-crd', template),
      file,
    ]; // prettier-ignore
    const child = spawn(binary, args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (!stdout.trim()) throw new Error(`kubeconform exited ${code} without a report: ${stderr}`);
    return JSON.parse(stdout) as Verdict;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
