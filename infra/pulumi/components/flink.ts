import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { flinkKafkaProperties, type KafkaSecurity } from '../../../src/settings/kafkaSecurity.ts';
import { STACK_VERSIONS } from '../../../src/stack/versions.ts';
import { probes, resources, restrictedContainer, restrictedPod } from './podSecurity.ts';

export interface FlinkArgs {
  k8sProvider: k8s.Provider;
  flinkVersion: string;
  operatorVersion: string;
  taskManagers: number;
  taskSlots: number;
  /** s3://<bucket>: checkpoints and savepoints live under flink/ beside the warehouse. */
  bucketUri: pulumi.Input<string>;
  region: string;
  kafkaSecurity: KafkaSecurity;
  /** Kubernetes namespace (a Namespace resource's name) and its service account with the IRSA role. */
  k8sNamespace: pulumi.Input<string>;
  serviceAccountName: pulumi.Input<string>;
}

/** The official Flink image runs its entrypoint as root and then drops to this user (flink). */
export const FLINK_IMAGE_UID = 9999;

const CENTRAL = 'https://repo1.maven.org/maven2';
const maven = (group: string, artifact: string, version: string, classifier = '') =>
  `${CENTRAL}/${group.replace(/\./g, '/')}/${artifact}/${version}/${artifact}-${version}${classifier ? `-${classifier}` : ''}.jar`;

/**
 * The jars Flink needs in the cloud, from Maven Central, same pins as the local stack where the
 * local stack has the jar. The Kafka connector is the unshaded `flink-connector-kafka` plus
 * `kafka-clients` (not the shaded SQL connector the local stack uses): `aws-msk-iam-auth`
 * implements Kafka's unshaded callback interface and does not load next to the shaded classes.
 * Iceberg's Flink runtime needs Hadoop's client classes even with a REST catalog; S3FileIO
 * (iceberg-aws-bundle) reads and writes the warehouse with the pod's web identity.
 */
export function cloudFlinkJars(): string[] {
  const v = STACK_VERSIONS;
  return [
    maven('org.apache.flink', 'flink-connector-kafka', '5.0.0-2.1'),
    maven('org.apache.kafka', 'kafka-clients', '4.0.0'),
    maven('software.amazon.msk', 'aws-msk-iam-auth', '2.3.9', 'all'),
    maven('org.apache.iceberg', v.icebergFlinkRuntimeArtifact, v.iceberg),
    maven('org.apache.iceberg', 'iceberg-aws-bundle', v.iceberg),
    maven('org.apache.hadoop', 'hadoop-client-api', v.hadoop),
    maven('org.apache.hadoop', 'hadoop-client-runtime', v.hadoop),
    maven('commons-logging', 'commons-logging', '1.3.4'),
  ];
}

/**
 * Flink configuration shared by the session cluster and the SQL Gateway: S3 through the
 * image's flink-s3-fs-hadoop plugin with web-identity credentials (IRSA: the pod's projected
 * token), checkpoints beside the warehouse, and a checkpoint interval every job inherits (speed
 * jobs set none of their own; the Iceberg sink commits only on checkpoints).
 */
export function flinkConfiguration(
  bucketUri: pulumi.Input<string>,
  region: string,
  taskSlots: number,
): pulumi.Output<Record<string, string>> {
  return pulumi.output(bucketUri).apply((bucket): Record<string, string> => ({
    'taskmanager.numberOfTaskSlots': String(taskSlots),
    'execution.checkpointing.interval': '10 s',
    'execution.checkpointing.dir': `${bucket}/flink/checkpoints`,
    'execution.checkpointing.savepoint-dir': `${bucket}/flink/savepoints`,
    'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
    // Flink's S3 plugin shades the AWS SDK and rewrites this class name to its shaded copy.
    's3.aws.credentials.provider': 'com.amazonaws.auth.WebIdentityTokenCredentialsProvider',
    's3.endpoint.region': region,
  }));
}

/** The Flink Kubernetes Operator (Helm), a session FlinkDeployment, and the SQL Gateway as Deployment + Service. */
export class FlinkPlatform extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  readonly sqlGatewayUrl: pulumi.Output<string>;
  readonly restUrl: pulumi.Output<string>;
  /** What the compiler merges into every Kafka table's WITH clause in this deployment. */
  readonly kafkaProperties: Record<string, string>;

  constructor(name: string, args: FlinkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lambdalake:flink:FlinkPlatform', name, {}, opts);
    const k = { parent: this, provider: args.k8sProvider };
    const namespace = pulumi.output(args.k8sNamespace);
    this.namespace = namespace;
    this.kafkaProperties = flinkKafkaProperties(args.kafkaSecurity);
    const operator = new k8s.helm.v3.Release(
      `${name}-operator`,
      {
        chart: 'flink-kubernetes-operator',
        version: args.operatorVersion,
        repositoryOpts: {
          repo: `https://archive.apache.org/dist/flink/flink-kubernetes-operator-${args.operatorVersion}/`,
        },
        namespace,
        values: {
          // The webhook needs cert-manager, which this stack does not install.
          webhook: { create: false },
          watchNamespaces: [namespace],
          // The program creates the `flink` service account (with the IRSA annotation); the
          // chart creating it too fails the release ("exists and cannot be imported").
          jobServiceAccount: { create: false, name: args.serviceAccountName },
        },
      },
      k,
    );
    const image = `flink:${args.flinkVersion}-java17`;
    const config = flinkConfiguration(args.bucketUri, args.region, args.taskSlots);
    const fetchJars = {
      name: 'fetch-jars',
      image: 'curlimages/curl:8.11.1',
      command: [
        'sh',
        '-c',
        cloudFlinkJars()
          .map((url) => `curl -fsSL -o /connectors/$(basename ${url}) ${url}`)
          .join(' && '),
      ],
      volumeMounts: [{ name: 'connectors', mountPath: '/connectors' }],
      // curlimages/curl runs as curl_user (100).
      securityContext: restrictedContainer(100),
      resources: resources('100m', '64Mi'),
    };
    // Flink's scripts find jars in lib/ recursively; the S3 plugin ships in the image's opt/.
    const libMount = { name: 'connectors', mountPath: '/opt/flink/lib/connectors' };
    const pluginEnv = [
      { name: 'ENABLE_BUILT_IN_PLUGINS', value: `flink-s3-fs-hadoop-${args.flinkVersion}.jar` },
    ];
    const session = new k8s.apiextensions.CustomResource(
      `${name}-session`,
      {
        apiVersion: 'flink.apache.org/v1beta1',
        kind: 'FlinkDeployment',
        metadata: { name: 'lambdalake', namespace },
        spec: {
          image,
          flinkVersion: `v${args.flinkVersion.split('.').slice(0, 2).join('_')}`,
          serviceAccount: args.serviceAccountName,
          flinkConfiguration: config,
          jobManager: { resource: { memory: '2048m', cpu: 1 } },
          taskManager: { replicas: args.taskManagers, resource: { memory: '4096m', cpu: 2 } },
          podTemplate: {
            apiVersion: 'v1',
            kind: 'Pod',
            spec: {
              securityContext: restrictedPod(FLINK_IMAGE_UID),
              initContainers: [fetchJars],
              containers: [
                {
                  name: 'flink-main-container',
                  env: pluginEnv,
                  volumeMounts: [libMount],
                  securityContext: restrictedContainer(FLINK_IMAGE_UID, { readOnlyRoot: false }),
                },
              ],
              volumes: [{ name: 'connectors', emptyDir: {} }],
            },
          },
        },
      },
      { ...k, dependsOn: [operator] },
    );
    this.restUrl = pulumi.interpolate`http://lambdalake-rest.${namespace}.svc:8081`;
    const labels = { app: 'flink-sql-gateway' };
    const dynamic = config.apply((c) => Object.entries(c).map(([key, v]) => `-D${key}=${v}`));
    new k8s.apps.v1.Deployment(
      `${name}-sql-gateway`,
      {
        metadata: { name: 'flink-sql-gateway', namespace, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: args.serviceAccountName,
              securityContext: restrictedPod(FLINK_IMAGE_UID),
              initContainers: [fetchJars],
              containers: [
                {
                  name: 'sql-gateway',
                  image,
                  args: dynamic.apply((d) => [
                    'bin/sql-gateway.sh',
                    'start-foreground',
                    // Bind all interfaces: the scheduler and deploy Job reach it through the Service.
                    '-Dsql-gateway.endpoint.rest.bind-address=0.0.0.0',
                    '-Dsql-gateway.endpoint.rest.address=flink-sql-gateway',
                    '-Dsql-gateway.endpoint.rest.port=8083',
                    '-Drest.address=lambdalake-rest',
                    '-Drest.port=8081',
                    ...d,
                  ]),
                  env: pluginEnv,
                  ports: [{ name: 'rest', containerPort: 8083 }],
                  volumeMounts: [libMount],
                  securityContext: restrictedContainer(FLINK_IMAGE_UID, { readOnlyRoot: false }),
                  resources: resources('500m', '1Gi', '1536Mi'),
                  ...probes({ httpGet: { path: '/v1/info', port: 8083 } }, 60),
                },
              ],
              volumes: [{ name: 'connectors', emptyDir: {} }],
            },
          },
        },
      },
      { ...k, dependsOn: [session] },
    );
    const svc = new k8s.core.v1.Service(
      `${name}-sql-gateway`,
      {
        metadata: { namespace, name: 'flink-sql-gateway' },
        spec: { type: 'ClusterIP', selector: labels, ports: [{ name: 'rest', port: 8083 }] },
      },
      k,
    );
    this.sqlGatewayUrl = pulumi.interpolate`http://${svc.metadata.name}.${namespace}.svc:8083`;
    this.registerOutputs({ sqlGatewayUrl: this.sqlGatewayUrl, restUrl: this.restUrl });
  }
}
