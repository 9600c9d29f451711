import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import type { StackOutputs } from '../program.ts';
import type { LambdalakeSettings } from '../settings.ts';

/** One resource registration under Pulumi mocks, with its (secret-unwrapped) inputs. */
export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

// Pulumi's marker for a secret value in serialized inputs.
const SECRET_SIG = '4dabf18193072939515e22adb298388d';

/** Replaces Pulumi's serialized secret wrappers by their values (what the provider would send). */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (SECRET_SIG in record && 'value' in record) return unwrapSecrets(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

let registered: Registered[] = [];

/** The suffix the mocks give an auto-named Kubernetes object (stable per resource name). */
export function autonameSuffix(name: string): string {
  return createHash('sha256').update(name).digest('hex').slice(0, 8);
}

/**
 * Installs Pulumi mocks that record every registration; cloud-computed outputs get plausible
 * values so the program's applies (kubeconfig, IRSA trust, bootstrap brokers) run.
 */
export async function installMocks(): Promise<void> {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs as Record<string, unknown>,
        });
        const computed: Record<string, unknown> = { arn: `arn:aws:mock:::${args.name}` };
        if (args.type === 'aws:s3/bucketV2:BucketV2')
          Object.assign(computed, {
            bucket: `${args.name}-bkt`,
            arn: `arn:aws:s3:::${args.name}-bkt`,
          });
        if (args.type === 'aws:eks/cluster:Cluster')
          Object.assign(computed, {
            name: args.name,
            endpoint: 'https://eks.mock',
            certificateAuthority: { data: 'Y2E=' },
            identities: [{ oidcs: [{ issuer: 'https://oidc.eks.mock/id/ABC' }] }],
            vpcConfig: {
              ...(args.inputs.vpcConfig ?? {}),
              clusterSecurityGroupId: 'sg-eks-cluster',
            },
          });
        if (args.type === 'aws:msk/cluster:Cluster')
          Object.assign(computed, { bootstrapBrokersSaslIam: 'b-1.mock:9098,b-2.mock:9098' });
        if (args.type === 'aws:rds/instance:Instance')
          Object.assign(computed, {
            endpoint: `${args.name}.mock:5432`,
            address: `${args.name}.mock`,
            port: 5432,
          });
        if (args.type === 'aws:ec2/securityGroup:SecurityGroup')
          Object.assign(computed, { id: `sg-${args.name}` });
        if (args.type === 'random:index/randomPassword:RandomPassword')
          Object.assign(computed, { result: `mock-password-${args.name}` });
        // Pulumi auto-names Kubernetes objects without metadata.name (<resource name>-<random>);
        // the mocks do too, so references by name (secretRef, HPA target) resolve as in a real run.
        const metadata = args.inputs.metadata as { name?: string } | undefined;
        if (args.type.startsWith('kubernetes:') && metadata && !metadata.name)
          computed.metadata = { ...metadata, name: `${args.name}-${autonameSuffix(args.name)}` };
        const id =
          args.type === 'aws:ec2/securityGroup:SecurityGroup'
            ? `sg-${args.name}`
            : `${args.name}-id`;
        return { id, state: { ...args.inputs, ...computed } };
      },
      call: () => ({}),
    },
    'lambdalake',
    'test',
    false,
  );
}

/** The example stack's settings (Pulumi.example.yaml), with overrides. */
export function exampleSettings(overrides: Partial<LambdalakeSettings> = {}): LambdalakeSettings {
  return {
    pipelinesDir: resolve(import.meta.dirname, '..', '..', '..'),
    region: 'eu-central-1',
    namespace: 'lambdalake',
    vpcId: 'vpc-1',
    privateSubnetIds: ['subnet-a', 'subnet-b', 'subnet-c'],
    noncurrentVersionDays: 30,
    kafkaMode: 'msk',
    kafkaVersion: '3.8.x',
    kafkaBrokers: 3,
    kafkaInstanceType: 'kafka.m7g.large',
    topicReplication: 3,
    clusterMode: 'eks',
    kubernetesVersion: '1.34',
    nodeInstanceType: 'm7i.xlarge',
    nodeCount: 3,
    flinkVersion: '2.1.3',
    flinkOperatorVersion: '1.13.0',
    taskManagers: 2,
    taskSlots: 8,
    catalogMode: 'lakekeeper',
    lakekeeperImage: 'quay.io/lakekeeper/catalog:v0.10.3',
    dbInstanceClass: 'db.t4g.medium',
    servingDbInstanceClass: 'db.t4g.medium',
    image: 'ghcr.io/example/lambdalake:test',
    servingMinReplicas: 2,
    servingMaxReplicas: 6,
    servingToken: pulumi.secret('token-value-123'),
    sqlPassword: pulumi.secret('sql-password-456'),
    ...overrides,
  };
}

function value<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** Runs the program under the mocks and waits until every registration has been made. */
export async function runProgram(
  overrides: Partial<LambdalakeSettings> = {},
): Promise<{ outputs: StackOutputs; resources: Registered[] }> {
  registered = [];
  const { lambdalakeStack } = await import('../program.ts');
  const outputs = await lambdalakeStack(exampleSettings(overrides));
  await value(
    pulumi.all([
      outputs.sqlEndpoint,
      outputs.catalogUrl,
      outputs.sqlGatewayUrl,
      outputs.warehouseUri,
    ]),
  );
  // Registrations inside applies land on later turns of the event loop.
  await new Promise((r) => setTimeout(r, 100));
  return { outputs, resources: [...registered] };
}

export const ofType = (resources: Registered[], type: string): Registered[] =>
  resources.filter((r) => r.type === type);
