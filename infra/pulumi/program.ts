import { resolve } from 'node:path';
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { compileProject } from '../../src/control-plane/compiler/compile.ts';
import { loadProjectOrThrow } from '../../src/control-plane/definitions/loadProject.ts';
import { IcebergCatalog } from './components/catalog.ts';
import { Cluster } from './components/cluster.ts';
import { FlinkPlatform } from './components/flink.ts';
import { KafkaPlatform, kafkaSettingProblems, type TopicSpec } from './components/kafka.ts';
import { PrivatePostgres } from './components/postgres.ts';
import {
  LambdalakeServices,
  warehouseRole,
  type TableDeclaration,
} from './components/lambdalake.ts';
import { Warehouse } from './components/warehouse.ts';
import type { LambdalakeSettings } from './settings.ts';
import { IMAGE_TAG } from './settings.ts';

export interface StackOutputs {
  /** Serving's PostgreSQL (RDS) as the read-only role: what psql, JDBC and BI tools connect to. */
  sqlEndpoint: pulumi.Output<string>;
  /** Serving's HTTP API behind the internal load balancer. */
  httpEndpoint: pulumi.Output<string>;
  /** Where to push the lambdalake image (scripts/build-image.sh builds it). */
  imageRepository: pulumi.Output<string>;
  sqlGatewayUrl: pulumi.Output<string>;
  catalogUrl: pulumi.Output<string>;
  warehouseUri: pulumi.Output<string>;
  topics: string[];
  tables: string[];
}

/**
 * What the definitions need in the cloud, from the same loader and compiler as the CLI: one topic
 * per source and per metric speed view, one master table per source and one batch view per metric.
 */
export async function definitionsFor(
  pipelinesDir: string,
  namespace: string,
): Promise<{ topics: TopicSpec[]; tables: TableDeclaration[] }> {
  const project = await loadProjectOrThrow(resolve(pipelinesDir));
  // Names depend only on the namespace; the endpoints are bound in the cluster at deploy time.
  const compiled = compileProject(project, {
    catalogUri: 'http://iceberg-catalog',
    catalogName: 'lake',
    namespace,
    kafkaBootstrap: 'kafka:9092',
  });
  return {
    topics: [
      ...compiled.sources.map((s) => ({
        name: s.topic,
        partitions: Math.max(3, s.partitions),
        // A dimension's topic keeps the newest row per key, as `deploy` creates it locally.
        compacted: s.kind === 'dimension',
      })),
      ...compiled.metrics.map((m) => ({ name: m.speedTopic, partitions: 3, compacted: true })),
    ],
    tables: [
      ...compiled.sources.map((s) => ({
        namespace,
        name: s.masterTable.name,
        spec: s.masterTable,
      })),
      ...compiled.metrics.map((m) => ({ namespace, name: m.batchTable.name, spec: m.batchTable })),
    ],
  };
}

/** Every setting combination AWS or the program would refuse, found before anything is created. */
export function settingProblems(settings: LambdalakeSettings): string[] {
  const problems = kafkaSettingProblems({
    mode: settings.kafkaMode,
    brokers: settings.kafkaBrokers,
    privateSubnetIds: settings.privateSubnetIds,
    replication: settings.topicReplication,
  });
  if (settings.privateSubnetIds.length < 2)
    problems.push('EKS and RDS need privateSubnetIds in at least two availability zones');
  if (settings.servingMinReplicas > settings.servingMaxReplicas)
    problems.push('servingMinReplicas exceeds servingMaxReplicas: the HPA could never scale');
  return problems;
}

/** The Kubernetes namespaces, each with the one service account its workloads run as. */
const WORKLOADS = {
  lambdalake: 'lambdalake',
  flink: 'flink',
  'iceberg-catalog': 'iceberg-catalog',
} as const;

/** The read-only PostgreSQL role of SQL clients (serving creates it with LAMBDALAKE_SQL_PASSWORD). */
export const SQL_READER_ROLE = 'lambdalake_reader';

export async function lambdalakeStack(settings: LambdalakeSettings): Promise<StackOutputs> {
  const problems = settingProblems(settings);
  if (problems.length > 0)
    throw new Error(`lambdalake stack settings:\n  - ${problems.join('\n  - ')}`);
  const { topics, tables } = await definitionsFor(settings.pipelinesDir, settings.namespace);
  const warehouse = new Warehouse('warehouse', {
    noncurrentVersionDays: settings.noncurrentVersionDays,
  });
  const cluster = new Cluster('cluster', {
    mode: settings.clusterMode,
    vpcId: settings.vpcId,
    privateSubnetIds: settings.privateSubnetIds,
    kubernetesVersion: settings.kubernetesVersion,
    nodeInstanceType: settings.nodeInstanceType,
    nodeCount: settings.nodeCount,
    kubeconfig: settings.kubeconfig,
    existingSecurityGroupId: settings.clusterSecurityGroupId,
  });
  const k = { provider: cluster.provider };

  // Namespaces are resources and their names flow as outputs into everything placed in them, so
  // Pulumi (and Helm) create nothing in a namespace before it exists.
  const namespaces = Object.fromEntries(
    Object.keys(WORKLOADS).map((ns) => [
      ns,
      new k8s.core.v1.Namespace(
        `ns-${ns}`,
        { metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } },
        k,
      ),
    ]),
  ) as Record<keyof typeof WORKLOADS, k8s.core.v1.Namespace>;
  const strimziNamespace =
    settings.kafkaMode === 'strimzi'
      ? new k8s.core.v1.Namespace('ns-kafka', { metadata: { name: 'kafka' } }, k)
      : undefined;

  const kafka = new KafkaPlatform('kafka', {
    mode: settings.kafkaMode,
    region: settings.region,
    vpcId: settings.vpcId,
    privateSubnetIds: settings.privateSubnetIds,
    clientSecurityGroupId: cluster.securityGroupId,
    version: settings.kafkaVersion,
    brokers: settings.kafkaBrokers,
    instanceType: settings.kafkaInstanceType,
    replication: settings.topicReplication,
    topics,
    k8sProvider: cluster.provider,
    strimziNamespace: strimziNamespace?.metadata.name,
  });

  // Three workloads touch the warehouse: Flink (writes), the catalog (metadata), lambdalake
  // (reads); Flink and lambdalake also talk to MSK with IAM.
  const role = cluster.oidc
    ? warehouseRole(
        'lambdalake',
        cluster.oidc,
        Object.entries(WORKLOADS).map(([ns, sa]) => `${ns}:${sa}`),
        [warehouse.policyDocument(), ...(kafka.clientPolicy ? [kafka.clientPolicy] : [])],
      )
    : undefined;
  const accounts = Object.fromEntries(
    Object.entries(WORKLOADS).map(([ns, sa]) => [
      ns,
      new k8s.core.v1.ServiceAccount(
        `sa-${ns}`,
        {
          metadata: {
            name: sa,
            namespace: namespaces[ns as keyof typeof WORKLOADS].metadata.name,
            annotations: role ? { 'eks.amazonaws.com/role-arn': role.arn } : {},
          },
        },
        k,
      ),
    ]),
  ) as Record<keyof typeof WORKLOADS, k8s.core.v1.ServiceAccount>;

  const catalog = new IcebergCatalog('catalog', {
    mode: settings.catalogMode,
    externalUrl: settings.catalogUrl,
    vpcId: settings.vpcId,
    privateSubnetIds: settings.privateSubnetIds,
    clientSecurityGroupId: cluster.securityGroupId,
    dbInstanceClass: settings.dbInstanceClass,
    image: settings.lakekeeperImage,
    region: settings.region,
    bucket: warehouse.bucket.bucket,
    keyPrefix: 'warehouse',
    warehouse: settings.namespace,
    k8sProvider: cluster.provider,
    k8sNamespace: namespaces['iceberg-catalog'].metadata.name,
    serviceAccountName: accounts['iceberg-catalog'].metadata.name,
  });
  const flink = new FlinkPlatform('flink', {
    k8sProvider: cluster.provider,
    flinkVersion: settings.flinkVersion,
    operatorVersion: settings.flinkOperatorVersion,
    taskManagers: settings.taskManagers,
    taskSlots: settings.taskSlots,
    bucketUri: pulumi.interpolate`s3://${warehouse.bucket.bucket}`,
    region: settings.region,
    kafkaSecurity: kafka.security,
    k8sNamespace: namespaces.flink.metadata.name,
    serviceAccountName: accounts.flink.metadata.name,
  });
  // Serving's store: PostgreSQL on RDS, its own instance (union-view queries do not compete
  // with the catalog's commits). SQL clients connect to it directly, as the reader role.
  const servingDb = new PrivatePostgres('serving', {
    vpcId: settings.vpcId,
    privateSubnetIds: settings.privateSubnetIds,
    clientSecurityGroupId: cluster.securityGroupId,
    instanceClass: settings.servingDbInstanceClass,
    dbName: 'lambdalake',
    username: 'lambdalake_owner',
    allocatedStorage: 50,
    multiAz: true,
  });
  const repository = new aws.ecr.Repository('lambdalake-image', {
    name: 'lambdalake',
    imageTagMutability: 'IMMUTABLE',
    imageScanningConfiguration: { scanOnPush: true },
  });
  const app = new LambdalakeServices('lambdalake', {
    k8sProvider: cluster.provider,
    // Default: the image scripts/build-image.sh builds, pushed to this stack's ECR repository.
    image: settings.image ?? pulumi.interpolate`${repository.repositoryUrl}:${IMAGE_TAG}`,
    namespace: settings.namespace,
    servingMinReplicas: settings.servingMinReplicas,
    servingMaxReplicas: settings.servingMaxReplicas,
    servingToken: settings.servingToken,
    servingPgUrl: servingDb.ownerUrl(),
    servingPgAddress: servingDb.address,
    sqlUser: SQL_READER_ROLE,
    sqlPassword: settings.sqlPassword,
    kafkaBootstrap: kafka.bootstrapServers,
    kafkaSecurity: kafka.security,
    catalogUrl: catalog.url,
    warehouse: catalog.warehouse,
    sqlGatewayUrl: flink.sqlGatewayUrl,
    flinkRestUrl: flink.restUrl,
    serviceAccountName: accounts.lambdalake.metadata.name,
    k8sNamespace: namespaces.lambdalake.metadata.name,
    tables,
  });
  return {
    sqlEndpoint: app.sqlEndpoint,
    httpEndpoint: app.httpEndpoint,
    imageRepository: repository.repositoryUrl,
    sqlGatewayUrl: flink.sqlGatewayUrl,
    catalogUrl: catalog.url,
    warehouseUri: warehouse.uri,
    topics: topics.map((t) => t.name),
    tables: tables.map((t) => `${t.namespace}.${t.name}`),
  };
}
