import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as kafka from '@pulumi/kafka';
import * as pulumi from '@pulumi/pulumi';

export interface TopicSpec {
  name: string;
  partitions: number;
  compacted: boolean;
}

export interface KafkaArgs {
  mode: 'msk' | 'strimzi';
  vpcId: string;
  privateSubnetIds: string[];
  /** Who may connect (the cluster's security group). */
  clientSecurityGroupId?: pulumi.Input<string>;
  version: string;
  brokers: number;
  instanceType: string;
  replication: number;
  topics: TopicSpec[];
  k8sProvider: k8s.Provider;
}

function topicConfig(t: TopicSpec): Record<string, string> {
  // Speed topics keep only the latest value per key; tombstones must outlive a serving replay.
  return t.compacted
    ? { 'cleanup.policy': 'compact', 'delete.retention.ms': String(24 * 3600 * 1000) }
    : { 'cleanup.policy': 'delete' };
}

/** Kafka for sources and speed views: Amazon MSK (IAM auth, TLS) or Strimzi on the cluster; one topic per definition. */
export class KafkaPlatform extends pulumi.ComponentResource {
  readonly bootstrapServers: pulumi.Output<string>;
  readonly topicNames: string[];

  constructor(name: string, args: KafkaArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lambdalake:kafka:KafkaPlatform', name, {}, opts);
    const parent = { parent: this };
    this.topicNames = args.topics.map((t) => t.name);
    if (args.mode === 'msk') {
      const sg = new aws.ec2.SecurityGroup(
        `${name}-sg`,
        {
          vpcId: args.vpcId,
          description: 'lambdalake MSK: clients of the cluster only',
          ingress: args.clientSecurityGroupId
            ? [
                {
                  protocol: 'tcp',
                  fromPort: 9098,
                  toPort: 9098,
                  securityGroups: [args.clientSecurityGroupId],
                },
              ]
            : [],
        },
        parent,
      );
      const cluster = new aws.msk.Cluster(
        `${name}-msk`,
        {
          kafkaVersion: args.version,
          numberOfBrokerNodes: args.brokers,
          brokerNodeGroupInfo: {
            instanceType: args.instanceType,
            clientSubnets: args.privateSubnetIds,
            securityGroups: [sg.id],
            connectivityInfo: { publicAccess: { type: 'DISABLED' } },
          },
          encryptionInfo: { encryptionInTransit: { clientBroker: 'TLS', inCluster: true } },
          clientAuthentication: { sasl: { iam: true }, unauthenticated: false },
        },
        parent,
      );
      this.bootstrapServers = cluster.bootstrapBrokersSaslIam;
      const provider = new kafka.Provider(
        `${name}-admin`,
        {
          bootstrapServers: cluster.bootstrapBrokersSaslIam.apply((s) => s.split(',')),
          tlsEnabled: true,
          saslMechanism: 'aws-iam',
        },
        parent,
      );
      for (const t of args.topics)
        new kafka.Topic(
          `${name}-topic-${t.name}`,
          {
            name: t.name,
            partitions: t.partitions,
            replicationFactor: args.replication,
            config: topicConfig(t),
          },
          { parent: this, provider },
        );
    } else {
      const k = { parent: this, provider: args.k8sProvider };
      const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: 'kafka' } }, k);
      const operator = new k8s.helm.v3.Release(
        `${name}-strimzi`,
        {
          chart: 'strimzi-kafka-operator',
          repositoryOpts: { repo: 'https://strimzi.io/charts/' },
          namespace: ns.metadata.name,
        },
        k,
      );
      const cluster = new k8s.apiextensions.CustomResource(
        `${name}-cluster`,
        {
          apiVersion: 'kafka.strimzi.io/v1beta2',
          kind: 'Kafka',
          metadata: {
            name: 'lambdalake',
            namespace: ns.metadata.name,
            annotations: { 'strimzi.io/kraft': 'enabled', 'strimzi.io/node-pools': 'enabled' },
          },
          spec: {
            kafka: {
              listeners: [{ name: 'tls', port: 9093, type: 'internal', tls: true }],
              config: { 'default.replication.factor': args.replication },
            },
            entityOperator: { topicOperator: {} },
          },
        },
        { ...k, dependsOn: [operator] },
      );
      this.bootstrapServers = pulumi.interpolate`lambdalake-kafka-bootstrap.${ns.metadata.name}.svc:9093`;
      for (const t of args.topics)
        new k8s.apiextensions.CustomResource(
          `${name}-topic-${t.name}`,
          {
            apiVersion: 'kafka.strimzi.io/v1beta2',
            kind: 'KafkaTopic',
            metadata: {
              name: t.name.replace(/[^a-z0-9.-]/g, '-').toLowerCase(),
              namespace: ns.metadata.name,
              labels: { 'strimzi.io/cluster': 'lambdalake' },
            },
            spec: {
              topicName: t.name,
              partitions: t.partitions,
              replicas: args.replication,
              config: topicConfig(t),
            },
          },
          { ...k, dependsOn: [cluster] },
        );
    }
    this.registerOutputs({ bootstrapServers: this.bootstrapServers });
  }
}
