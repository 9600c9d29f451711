import { resolve } from 'node:path';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { compileProject } from '../../src/control-plane/compiler/compile.ts';
import { loadProjectOrThrow } from '../../src/control-plane/definitions/loadProject.ts';
import { STACK_VERSIONS } from '../../src/stack/versions.ts';
import { IcebergCatalog } from './components/catalog.ts';
import { Cluster } from './components/cluster.ts';
import { FlinkPlatform } from './components/flink.ts';
import { KafkaPlatform, type TopicSpec } from './components/kafka.ts';
import {
  LambdalakeServices,
  warehouseRole,
  type TableDeclaration,
} from './components/lambdalake.ts';
import { Warehouse } from './components/warehouse.ts';
import type { LambdalakeSettings } from './settings.ts';

export interface StackOutputs {
  sqlEndpoint: pulumi.Output<string>;
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
        compacted: false,
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

function connectorJars(): string[] {
  const central = 'https://repo1.maven.org/maven2';
  const v = STACK_VERSIONS;
  return [
    `${central}/org/apache/flink/flink-sql-connector-kafka/${v.flinkKafkaConnector}/flink-sql-connector-kafka-${v.flinkKafkaConnector}.jar`,
    `${central}/org/apache/iceberg/${v.icebergFlinkRuntimeArtifact}/${v.iceberg}/${v.icebergFlinkRuntimeArtifact}-${v.iceberg}.jar`,
    `${central}/org/apache/iceberg/iceberg-aws-bundle/${v.iceberg}/iceberg-aws-bundle-${v.iceberg}.jar`,
  ];
}

export async function lambdalakeStack(settings: LambdalakeSettings): Promise<StackOutputs> {
  const { topics, tables } = await definitionsFor(settings.pipelinesDir, settings.namespace);
  const warehouse = new Warehouse('warehouse', {
    noncurrentVersionDays: settings.noncurrentVersionDays,
  });
  const cluster = new Cluster('cluster', {
    mode: settings.clusterMode,
    vpcId: settings.vpcId,
    privateSubnetIds: settings.privateSubnetIds,
    nodeInstanceType: settings.nodeInstanceType,
    nodeCount: settings.nodeCount,
    kubeconfig: settings.kubeconfig,
  });
  const k = { provider: cluster.provider };

  // Three workloads touch the warehouse: Flink (writes), the catalog (metadata), lambdalake (reads).
  const accounts = {
    lambdalake: 'lambdalake',
    flink: 'flink',
    'iceberg-catalog': 'iceberg-catalog',
  } as const;
  const role = cluster.oidc
    ? warehouseRole(
        'lambdalake',
        cluster.oidc,
        Object.entries(accounts).map(([ns, sa]) => `${ns}:${sa}`),
        warehouse.policyDocument(),
      )
    : undefined;
  for (const [ns, sa] of Object.entries(accounts)) {
    const namespace = new k8s.core.v1.Namespace(
      `ns-${ns}`,
      { metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } },
      k,
    );
    new k8s.core.v1.ServiceAccount(
      `sa-${ns}`,
      {
        metadata: {
          name: sa,
          namespace: namespace.metadata.name,
          annotations: role ? { 'eks.amazonaws.com/role-arn': role.arn } : {},
        },
      },
      k,
    );
  }

  const kafka = new KafkaPlatform('kafka', {
    mode: settings.kafkaMode,
    vpcId: settings.vpcId,
    privateSubnetIds: settings.privateSubnetIds,
    clientSecurityGroupId: cluster.securityGroupId,
    version: settings.kafkaVersion,
    brokers: settings.kafkaBrokers,
    instanceType: settings.kafkaInstanceType,
    replication: settings.topicReplication,
    topics,
    k8sProvider: cluster.provider,
  });
  const catalog = new IcebergCatalog('catalog', {
    mode: settings.catalogMode,
    externalUrl: settings.catalogUrl,
    vpcId: settings.vpcId,
    privateSubnetIds: settings.privateSubnetIds,
    clientSecurityGroupId: cluster.securityGroupId,
    dbInstanceClass: settings.dbInstanceClass,
    image: settings.lakekeeperImage,
    k8sProvider: cluster.provider,
    k8sNamespace: 'iceberg-catalog',
    serviceAccountName: accounts['iceberg-catalog'],
  });
  const flink = new FlinkPlatform('flink', {
    k8sProvider: cluster.provider,
    flinkVersion: settings.flinkVersion,
    operatorVersion: settings.flinkOperatorVersion,
    taskManagers: settings.taskManagers,
    taskSlots: settings.taskSlots,
    connectorJars: connectorJars(),
    warehouseUri: warehouse.uri,
    k8sNamespace: 'flink',
    serviceAccountName: accounts.flink,
  });
  const app = new LambdalakeServices('lambdalake', {
    k8sProvider: cluster.provider,
    image: settings.image,
    namespace: settings.namespace,
    servingMinReplicas: settings.servingMinReplicas,
    servingMaxReplicas: settings.servingMaxReplicas,
    servingToken: settings.servingToken,
    sqlPassword: settings.sqlPassword,
    kafkaBootstrap: kafka.bootstrapServers,
    catalogUrl: catalog.url,
    sqlGatewayUrl: flink.sqlGatewayUrl,
    flinkRestUrl: flink.restUrl,
    serviceAccountName: accounts.lambdalake,
    k8sNamespace: 'lambdalake',
    tables,
  });
  return {
    sqlEndpoint: app.sqlEndpoint,
    sqlGatewayUrl: flink.sqlGatewayUrl,
    catalogUrl: catalog.url,
    warehouseUri: warehouse.uri,
    topics: topics.map((t) => t.name),
    tables: tables.map((t) => `${t.namespace}.${t.name}`),
  };
}
