import * as pulumi from '@pulumi/pulumi';

/** Everything the program reads from stack config, typed, with the defaults of Pulumi.example.yaml. */
export interface LambdalakeSettings {
  pipelinesDir: string;
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
  nodeInstanceType: string;
  nodeCount: number;
  kubeconfig?: pulumi.Output<string>;
  flinkVersion: string;
  flinkOperatorVersion: string;
  taskManagers: number;
  taskSlots: number;
  catalogMode: 'lakekeeper' | 'external';
  lakekeeperImage: string;
  dbInstanceClass: string;
  catalogUrl?: string;
  image: string;
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
    nodeInstanceType: config.get('nodeInstanceType') ?? 'm7g.xlarge',
    nodeCount: config.getNumber('nodeCount') ?? 3,
    kubeconfig: clusterMode === 'existing' ? config.requireSecret('kubeconfig') : undefined,
    flinkVersion: config.get('flinkVersion') ?? '2.1.3',
    flinkOperatorVersion: config.get('flinkOperatorVersion') ?? '1.13.0',
    taskManagers: config.getNumber('taskManagers') ?? 2,
    taskSlots: config.getNumber('taskSlots') ?? 8,
    catalogMode,
    lakekeeperImage: config.get('lakekeeperImage') ?? 'quay.io/lakekeeper/catalog:v0.10.3',
    dbInstanceClass: config.get('dbInstanceClass') ?? 'db.t4g.medium',
    catalogUrl: catalogMode === 'external' ? config.require('catalogUrl') : undefined,
    image: config.get('image') ?? 'ghcr.io/example/lambdalake:0.1.0',
    servingMinReplicas: config.getNumber('servingMinReplicas') ?? 2,
    servingMaxReplicas: config.getNumber('servingMaxReplicas') ?? 6,
    servingToken: config.requireSecret('servingToken'),
    sqlPassword: config.requireSecret('sqlPassword'),
  };
}
