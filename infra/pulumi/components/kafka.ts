import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as kafka from '@pulumi/kafka';
import * as pulumi from '@pulumi/pulumi';
import type { KafkaSecurity } from '../../../src/settings/kafkaSecurity.ts';

export interface TopicSpec {
  name: string;
  partitions: number;
  compacted: boolean;
}

export interface KafkaArgs {
  mode: 'msk' | 'strimzi';
  region: string;
  vpcId: string;
  privateSubnetIds: string[];
  /** Who may connect: the EKS cluster security group (nodes and pods). */
  clientSecurityGroupId?: pulumi.Input<string>;
  version: string;
  brokers: number;
  instanceType: string;
  replication: number;
  topics: TopicSpec[];
  k8sProvider: k8s.Provider;
  /** The Strimzi namespace (a Namespace resource's name, so Helm waits for it). */
  strimziNamespace?: pulumi.Input<string>;
}

/** Pinned Strimzi operator chart; its CRDs serve `kafka.strimzi.io/v1` (v1beta2 is gone since 1.0). */
export const STRIMZI_CHART_VERSION = '1.2.0';

/** MSK with IAM access control listens for SASL/IAM over TLS on this port. */
export const MSK_IAM_PORT = 9098;

function topicConfig(t: TopicSpec, replication: number): Record<string, string> {
  // A write is acknowledged by two replicas when there are three; one broker may be patched.
  const durability = { 'min.insync.replicas': String(Math.min(2, replication)) };
  // Speed topics keep only the latest value per key; tombstones must outlive a serving replay.
  return t.compacted
    ? {
        ...durability,
        'cleanup.policy': 'compact',
        'delete.retention.ms': String(24 * 3600 * 1000),
      }
    : { ...durability, 'cleanup.policy': 'delete' };
}

/**
 * What MSK refuses before it creates anything: the broker count must be a multiple of the client
 * subnets (brokers are spread evenly over the AZs), and MSK takes two or three client subnets.
 * Replication cannot exceed the brokers.
 */
export function kafkaSettingProblems(args: {
  mode: 'msk' | 'strimzi';
  brokers: number;
  privateSubnetIds: string[];
  replication: number;
}): string[] {
  const problems: string[] = [];
  const subnets = args.privateSubnetIds.length;
  if (args.mode === 'msk') {
    if (subnets < 2 || subnets > 3)
      problems.push(
        `MSK takes 2 or 3 client subnets (one per AZ); privateSubnetIds has ${subnets}`,
      );
    if (args.brokers % subnets !== 0)
      problems.push(
        `MSK needs kafkaBrokers to be a multiple of the client subnets: ${args.brokers} brokers on ${subnets} subnets (use ${Math.ceil(args.brokers / subnets) * subnets})`,
      );
  }
  if (args.replication > args.brokers)
    problems.push(`topicReplication ${args.replication} exceeds kafkaBrokers ${args.brokers}`);
  return problems;
}

/** Kafka for sources and speed views: Amazon MSK (IAM auth, TLS) or Strimzi on the cluster; one topic per definition. */
export class KafkaPlatform extends pulumi.ComponentResource {
  readonly bootstrapServers: pulumi.Output<string>;
  readonly topicNames: string[];
  /** How clients authenticate (the binding of src/settings/kafkaSecurity.ts). */
  readonly security: KafkaSecurity;
  /** IAM statements a client role needs (MSK IAM access control); empty for Strimzi. */
  readonly clientPolicy?: pulumi.Output<string>;

  constructor(name: string, args: KafkaArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lambdalake:kafka:KafkaPlatform', name, {}, opts);
    const problems = kafkaSettingProblems(args);
    if (problems.length > 0) throw new Error(`Kafka settings: ${problems.join('; ')}`);
    this.topicNames = args.topics.map((t) => t.name);
    if (args.mode === 'msk') {
      this.security = { protocol: 'msk-iam', region: args.region };
      const cluster = this.msk(name, args);
      this.bootstrapServers = cluster.bootstrapBrokersSaslIam;
      this.clientPolicy = mskClientPolicy(cluster);
    } else {
      // In-cluster plaintext listener: reachable from pods only (ClusterIP), like the local stack.
      this.security = { protocol: 'plaintext' };
      this.bootstrapServers = this.strimzi(name, args);
    }
    this.registerOutputs({ bootstrapServers: this.bootstrapServers });
  }

  private msk(name: string, args: KafkaArgs): aws.msk.Cluster {
    const parent = { parent: this };
    const sg = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: 'lambdalake MSK: clients of the cluster only',
        ingress: args.clientSecurityGroupId
          ? [
              {
                protocol: 'tcp',
                fromPort: MSK_IAM_PORT,
                toPort: MSK_IAM_PORT,
                securityGroups: [args.clientSecurityGroupId],
                description: 'EKS cluster security group (nodes and pods)',
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
          // Sized for the example (sources kept 7 days); MSK can grow it in place, not shrink it.
          storageInfo: { ebsStorageInfo: { volumeSize: 100 } },
          securityGroups: [sg.id],
          connectivityInfo: { publicAccess: { type: 'DISABLED' } },
        },
        encryptionInfo: { encryptionInTransit: { clientBroker: 'TLS', inCluster: true } },
        clientAuthentication: { sasl: { iam: true }, unauthenticated: false },
      },
      parent,
    );
    // Topics through the Kafka admin API: this provider runs where `pulumi up` runs, which must
    // reach the private brokers (inside the VPC; see the README) with IAM credentials.
    const provider = new kafka.Provider(
      `${name}-admin`,
      {
        bootstrapServers: cluster.bootstrapBrokersSaslIam.apply((s) => s.split(',')),
        tlsEnabled: true,
        saslMechanism: 'aws-iam',
        saslAwsRegion: args.region,
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
          config: topicConfig(t, args.replication),
        },
        { parent: this, provider },
      );
    return cluster;
  }

  private strimzi(name: string, args: KafkaArgs): pulumi.Output<string> {
    const k = { parent: this, provider: args.k8sProvider };
    const namespace = pulumi.output(args.strimziNamespace ?? 'kafka');
    const operator = new k8s.helm.v3.Release(
      `${name}-strimzi`,
      {
        chart: 'strimzi-kafka-operator',
        version: STRIMZI_CHART_VERSION,
        repositoryOpts: { repo: 'https://strimzi.io/charts/' },
        namespace,
      },
      k,
    );
    // KRaft with node pools (the only mode since Strimzi 1.0): one pool of combined
    // controller+broker nodes, as many as the configured brokers.
    const pool = new k8s.apiextensions.CustomResource(
      `${name}-pool`,
      {
        apiVersion: 'kafka.strimzi.io/v1',
        kind: 'KafkaNodePool',
        metadata: {
          name: 'combined',
          namespace,
          labels: { 'strimzi.io/cluster': 'lambdalake' },
        },
        spec: {
          replicas: args.brokers,
          roles: ['controller', 'broker'],
          storage: { type: 'persistent-claim', size: '100Gi', deleteClaim: false },
          resources: { requests: { cpu: '1', memory: '4Gi' }, limits: { memory: '4Gi' } },
        },
      },
      { ...k, dependsOn: [operator] },
    );
    const cluster = new k8s.apiextensions.CustomResource(
      `${name}-cluster`,
      {
        apiVersion: 'kafka.strimzi.io/v1',
        kind: 'Kafka',
        metadata: { name: 'lambdalake', namespace },
        spec: {
          kafka: {
            listeners: [{ name: 'plain', port: 9092, type: 'internal', tls: false }],
            config: {
              'default.replication.factor': args.replication,
              'min.insync.replicas': Math.min(2, args.replication),
              'auto.create.topics.enable': false,
            },
          },
          entityOperator: { topicOperator: {} },
        },
      },
      { ...k, dependsOn: [operator, pool] },
    );
    for (const t of args.topics)
      new k8s.apiextensions.CustomResource(
        `${name}-topic-${t.name}`,
        {
          apiVersion: 'kafka.strimzi.io/v1',
          kind: 'KafkaTopic',
          metadata: {
            name: t.name.replace(/[^a-z0-9.-]/g, '-').toLowerCase(),
            namespace,
            labels: { 'strimzi.io/cluster': 'lambdalake' },
          },
          spec: {
            topicName: t.name,
            partitions: t.partitions,
            replicas: args.replication,
            config: topicConfig(t, args.replication),
          },
        },
        { ...k, dependsOn: [cluster] },
      );
    return pulumi.interpolate`lambdalake-kafka-bootstrap.${namespace}.svc:9092`;
  }
}

/**
 * MSK IAM access control: what lambdalake's clients do (connect, read and write topics, create
 * and delete topics for new metric versions, consumer groups, transactional ids for Flink's
 * exactly-once sinks), on this cluster only.
 */
function mskClientPolicy(cluster: aws.msk.Cluster): pulumi.Output<string> {
  return cluster.arn.apply((arn) => {
    // arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid> → topic/… and group/… siblings.
    const [prefix, rest = ''] = arn.split(':cluster/');
    const scoped = (kind: string) => `${prefix}:${kind}/${rest}/*`;
    return JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'],
          Resource: [arn],
        },
        {
          Effect: 'Allow',
          Action: [
            'kafka-cluster:CreateTopic',
            'kafka-cluster:DeleteTopic',
            'kafka-cluster:DescribeTopic',
            'kafka-cluster:DescribeTopicDynamicConfiguration',
            'kafka-cluster:AlterTopic',
            'kafka-cluster:ReadData',
            'kafka-cluster:WriteData',
          ],
          Resource: [scoped('topic')],
        },
        {
          Effect: 'Allow',
          Action: [
            'kafka-cluster:AlterGroup',
            'kafka-cluster:DescribeGroup',
            'kafka-cluster:DeleteGroup',
          ],
          Resource: [scoped('group')],
        },
        {
          Effect: 'Allow',
          Action: ['kafka-cluster:DescribeTransactionalId', 'kafka-cluster:AlterTransactionalId'],
          Resource: [scoped('transactional-id')],
        },
      ],
    });
  });
}
