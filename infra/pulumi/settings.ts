import * as pulumi from '@pulumi/pulumi';
import PACKAGE from '../../package.json' with { type: 'json' };
import VERSIONS from './versions.json' with { type: 'json' };

/** The lambdalake image tag: the package version (scripts/build-image.sh tags it so). */
export const IMAGE_TAG = PACKAGE.version;

/** Everything the program reads from stack config, typed, with the defaults of Pulumi.example.yaml. */
export interface LambdalakeSettings {
  pipelinesDir: string;
  /** aws:region: MSK IAM signing and S3 need it inside the pods too. */
  region: string;
  namespace: string;
  vpcId: string;
  privateSubnetIds: string[];
  noncurrentVersionDays: number;
  kafkaMode: 'msk' | 'strimzi';
  kafkaVersion: string;
  kafkaBrokers: number;
  kafkaInstanceType: string;
  topicReplication: number;
  clusterMode: 'eks' | 'existing';
  /** EKS control-plane version; the infra check validates objects against this version's schemas. */
  kubernetesVersion: string;
  nodeInstanceType: string;
  nodeCount: number;
  kubeconfig?: pulumi.Output<string>;
  /** With clusterMode existing: the security group of its nodes/pods (admitted by MSK and RDS). */
  clusterSecurityGroupId?: string;
  flinkVersion: string;
  flinkOperatorVersion: string;
  taskManagers: number;
  taskSlots: number;
  catalogMode: 'lakekeeper' | 'external';
  lakekeeperImage: string;
  dbInstanceClass: string;
  /** Serving's PostgreSQL (RDS): union views for SQL clients. */
  servingDbInstanceClass: string;
  catalogUrl?: string;
  /** Default: <this stack's ECR repository>:<package version>, built by scripts/build-image.sh. */
  image?: string;
  servingMinReplicas: number;
  servingMaxReplicas: number;
  servingToken: pulumi.Output<string>;
  sqlPassword: pulumi.Output<string>;
}

function oneOf<T extends string>(
  config: pulumi.Config,
  key: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = config.get(key) ?? fallback;
  if (!(allowed as readonly string[]).includes(value))
    throw new Error(`config lambdalake:${key} is '${value}': use one of ${allowed.join(', ')}`);
  return value as T;
}

export function readSettings(config = new pulumi.Config('lambdalake')): LambdalakeSettings {
  const clusterMode = oneOf(config, 'clusterMode', ['eks', 'existing'] as const, 'eks');
  const catalogMode = oneOf(
    config,
    'catalogMode',
    ['lakekeeper', 'external'] as const,
    'lakekeeper',
  );
  return {
    pipelinesDir: config.get('pipelinesDir') ?? '../..',
    region: new pulumi.Config('aws').require('region'),
    namespace: config.get('namespace') ?? 'lambdalake',
    vpcId: config.require('vpcId'),
    privateSubnetIds: config.requireObject<string[]>('privateSubnetIds'),
    noncurrentVersionDays: config.getNumber('noncurrentVersionDays') ?? 30,
    kafkaMode: oneOf(config, 'kafkaMode', ['msk', 'strimzi'] as const, 'msk'),
    kafkaVersion: config.get('kafkaVersion') ?? '3.8.x',
    kafkaBrokers: config.getNumber('kafkaBrokers') ?? 3,
    kafkaInstanceType: config.get('kafkaInstanceType') ?? 'kafka.m7g.large',
    topicReplication: config.getNumber('topicReplication') ?? 3,
    clusterMode,
    kubernetesVersion: config.get('kubernetesVersion') ?? VERSIONS.kubernetes,
    nodeInstanceType: config.get('nodeInstanceType') ?? 'm7i.xlarge',
    nodeCount: config.getNumber('nodeCount') ?? 3,
    kubeconfig: clusterMode === 'existing' ? config.requireSecret('kubeconfig') : undefined,
    clusterSecurityGroupId:
      clusterMode === 'existing' ? config.require('clusterSecurityGroupId') : undefined,
    flinkVersion: config.get('flinkVersion') ?? '2.1.3',
    flinkOperatorVersion: config.get('flinkOperatorVersion') ?? VERSIONS.flinkOperator,
    taskManagers: config.getNumber('taskManagers') ?? 2,
    taskSlots: config.getNumber('taskSlots') ?? 8,
    catalogMode,
    lakekeeperImage: config.get('lakekeeperImage') ?? 'quay.io/lakekeeper/catalog:v0.10.3',
    dbInstanceClass: config.get('dbInstanceClass') ?? 'db.t4g.medium',
    servingDbInstanceClass: config.get('servingDbInstanceClass') ?? 'db.r7g.large',
    catalogUrl: catalogMode === 'external' ? config.require('catalogUrl') : undefined,
    image: config.get('image'),
    servingMinReplicas: config.getNumber('servingMinReplicas') ?? 2,
    servingMaxReplicas: config.getNumber('servingMaxReplicas') ?? 6,
    servingToken: config.requireSecret('servingToken'),
    sqlPassword: config.requireSecret('sqlPassword'),
  };
}
