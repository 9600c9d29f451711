import { createHash } from 'node:crypto';
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { kafkaSecurityEnv, type KafkaSecurity } from '../../../src/settings/kafkaSecurity.ts';
import { probes, resources, restrictedContainer, restrictedPod } from './podSecurity.ts';

export interface TableDeclaration {
  namespace: string;
  name: string;
  /** Iceberg schema and partition spec as the compiler emits them. */
  spec: unknown;
}

export interface LambdalakeArgs {
  k8sProvider: k8s.Provider;
  image: pulumi.Input<string>;
  namespace: string;
  servingMinReplicas: number;
  servingMaxReplicas: number;
  servingToken: pulumi.Input<string>;
  /** Serving's PostgreSQL: the owner's URL (secret) and where SQL clients connect. */
  servingPgUrl: pulumi.Input<string>;
  servingPgAddress: pulumi.Input<string>;
  /** The read-only role SQL clients and BI tools use; serving creates it. */
  sqlUser: string;
  sqlPassword: pulumi.Input<string>;
  kafkaBootstrap: pulumi.Input<string>;
  kafkaSecurity: KafkaSecurity;
  catalogUrl: pulumi.Input<string>;
  warehouse: string;
  sqlGatewayUrl: pulumi.Input<string>;
  flinkRestUrl: pulumi.Input<string>;
  /** The service account the scheduler, serving and deploy job run as (its IAM role reaches the warehouse). */
  serviceAccountName: pulumi.Input<string>;
  k8sNamespace: pulumi.Input<string>;
  tables: TableDeclaration[];
}

/**
 * An Iceberg table the definitions declare. The catalog is private to the cluster, so the table is
 * created by the deploy Job (`lambdalake deploy`, idempotent) that depends on these declarations;
 * the resource makes each table visible in `pulumi preview` and ties it to its definition.
 */
export class IcebergTable extends pulumi.ComponentResource {
  readonly qualifiedName: string;
  constructor(name: string, args: TableDeclaration, opts?: pulumi.ComponentResourceOptions) {
    super('lambdalake:iceberg:Table', name, {}, opts);
    this.qualifiedName = `${args.namespace}.${args.name}`;
    this.registerOutputs({ qualifiedName: this.qualifiedName, spec: JSON.stringify(args.spec) });
  }
}

/** The IAM role for service accounts: web identity from the cluster's OIDC provider; the warehouse (and MSK) only. */
export function warehouseRole(
  name: string,
  oidc: { arn: pulumi.Output<string>; issuer: pulumi.Output<string> },
  serviceAccounts: string[],
  policies: pulumi.Output<string>[],
  opts?: pulumi.CustomResourceOptions,
): aws.iam.Role {
  const role = new aws.iam.Role(
    `${name}-warehouse-role`,
    {
      assumeRolePolicy: pulumi.all([oidc.arn, oidc.issuer]).apply(([arn, issuer]) => {
        const host = issuer.replace(/^https:\/\//, '');
        return JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: arn },
              Action: 'sts:AssumeRoleWithWebIdentity',
              // Only these service accounts ('<k8s namespace>:<name>') may take the role.
              Condition: {
                StringEquals: {
                  [`${host}:sub`]: serviceAccounts.map((sa) => `system:serviceaccount:${sa}`),
                  [`${host}:aud`]: 'sts.amazonaws.com',
                },
              },
            },
          ],
        });
      }),
    },
    opts,
  );
  policies.forEach(
    (policy, i) =>
      new aws.iam.RolePolicy(
        i === 0 ? `${name}-warehouse-policy` : `${name}-policy-${i}`,
        { role: role.id, policy },
        opts,
      ),
  );
  return role;
}

/** The user the lambdalake image runs as (Dockerfile `USER`); pods name it for runAsNonRoot. */
export const LAMBDALAKE_IMAGE_UID = 10001;

/** Serving's HTTP API port (Dremio-style), inside the pod and on the internal load balancer. */
export const SERVING_HTTP_PORT = 18090;

/** The scheduler's Prometheus /metrics port (`lambdalake run`), inside its pod. */
export const SCHEDULER_METRICS_PORT = 18091;

/** lambdalake's own workloads: serving (Deployment, internal Service, autoscaling), scheduler, deploy Job. */
export class LambdalakeServices extends pulumi.ComponentResource {
  /** Where SQL clients connect: serving's PostgreSQL (RDS), as the read-only role. */
  readonly sqlEndpoint: pulumi.Output<string>;
  readonly httpEndpoint: pulumi.Output<string>;
  readonly tables: IcebergTable[];

  constructor(name: string, args: LambdalakeArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lambdalake:app:LambdalakeServices', name, {}, opts);
    const k = { parent: this, provider: args.k8sProvider };
    const namespace = pulumi.output(args.k8sNamespace);
    const secret = new k8s.core.v1.Secret(
      `${name}-secrets`,
      {
        metadata: { namespace },
        stringData: {
          LAMBDALAKE_SERVING_TOKEN: args.servingToken,
          LAMBDALAKE_SQL_PASSWORD: args.sqlPassword,
          LAMBDALAKE_SERVING_PG_URL: args.servingPgUrl,
        },
      },
      k,
    );
    const env = [
      { name: 'LAMBDALAKE_NAMESPACE', value: args.namespace },
      { name: 'LAMBDALAKE_KAFKA_BROKERS', value: args.kafkaBootstrap },
      ...Object.entries(kafkaSecurityEnv(args.kafkaSecurity)).map(([n, value]) => ({
        name: n,
        value,
      })),
      { name: 'LAMBDALAKE_ICEBERG_URL', value: args.catalogUrl },
      { name: 'LAMBDALAKE_ICEBERG_WAREHOUSE', value: args.warehouse },
      { name: 'LAMBDALAKE_SQL_GATEWAY_URL', value: args.sqlGatewayUrl },
      { name: 'LAMBDALAKE_FLINK_URL', value: args.flinkRestUrl },
      { name: 'LAMBDALAKE_SERVING_URL', value: `http://lambdalake-serving:${SERVING_HTTP_PORT}` },
      { name: 'LAMBDALAKE_SQL_USER', value: args.sqlUser },
      { name: 'LAMBDALAKE_HTTP_PORT', value: String(SERVING_HTTP_PORT) },
      // All interfaces in the cluster: the load balancer and the scheduler reach serving by the
      // pod IP; the local default (127.0.0.1) would refuse them.
      { name: 'LAMBDALAKE_SERVING_BIND', value: '0.0.0.0' },
      // The scheduler's /metrics, likewise on all interfaces so Prometheus reaches the pod IP.
      { name: 'LAMBDALAKE_SCHEDULER_METRICS_PORT', value: String(SCHEDULER_METRICS_PORT) },
      { name: 'LAMBDALAKE_SCHEDULER_METRICS_BIND', value: '0.0.0.0' },
      // The root filesystem is read-only; tools that want a home (npm, DuckDB) get /tmp.
      { name: 'HOME', value: '/tmp' },
    ];
    const envFrom = [{ secretRef: { name: secret.metadata.name } }];
    const pod = (
      labels: Record<string, string>,
      container: Record<string, unknown>,
      annotations: Record<string, string> = {},
    ) => ({
      metadata: { labels, annotations },
      spec: {
        serviceAccountName: args.serviceAccountName,
        securityContext: restrictedPod(LAMBDALAKE_IMAGE_UID),
        containers: [
          {
            name: labels.app!,
            image: args.image,
            env,
            envFrom,
            securityContext: restrictedContainer(LAMBDALAKE_IMAGE_UID),
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            ...container,
          },
        ],
        volumes: [{ name: 'tmp', emptyDir: {} }],
      },
    });
    const cli = (...command: string[]) => ['node', 'bin/lambdalake.mjs', ...command];

    this.tables = args.tables.map(
      (t) => new IcebergTable(`${name}-table-${t.namespace}.${t.name}`, t, { parent: this }),
    );
    // Re-run when the definitions change: the job's name carries a hash of every table it declares.
    const definitionsHash = createHash('sha256')
      .update(JSON.stringify(args.tables))
      .digest('hex')
      .slice(0, 10);
    const servingLabels = { app: 'lambdalake-serving' };
    const serving = new k8s.apps.v1.Deployment(
      `${name}-serving`,
      {
        metadata: { name: 'lambdalake-serving', namespace, labels: servingLabels },
        spec: {
          replicas: args.servingMinReplicas,
          selector: { matchLabels: servingLabels },
          template: pod(
            servingLabels,
            {
              command: cli('serve'),
              ports: [{ name: 'http', containerPort: SERVING_HTTP_PORT }],
              // Requests are what the HPA's utilisation is measured against.
              resources: resources('500m', '1Gi', '2Gi'),
              ...probes({ httpGet: { path: '/health', port: SERVING_HTTP_PORT } }, 20),
            },
            // Prometheus' kubernetes-pods scrape config reads these: serving's /metrics (drift,
            // publication ages, speed lag, loader state, connections, query latency).
            {
              'prometheus.io/scrape': 'true',
              'prometheus.io/port': String(SERVING_HTTP_PORT),
              'prometheus.io/path': '/metrics',
            },
          ),
        },
      },
      // Not after the deploy Job: deploy's first batch cycles register union views with serving.
      k,
    );
    const service = new k8s.core.v1.Service(
      `${name}-serving`,
      {
        metadata: {
          namespace,
          name: 'lambdalake-serving',
          // Private NLB inside the VPC, by the cloud provider's own controller (no AWS Load
          // Balancer Controller needed): `aws-load-balancer-scheme` is read only by that
          // controller; `aws-load-balancer-internal` is what cloud-provider-aws reads.
          annotations: {
            'service.beta.kubernetes.io/aws-load-balancer-internal': 'true',
            'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
          },
        },
        spec: {
          type: 'LoadBalancer',
          selector: servingLabels,
          ports: [{ name: 'http', port: SERVING_HTTP_PORT, targetPort: SERVING_HTTP_PORT }],
        },
      },
      k,
    );
    const jobPod = pod(
      { app: 'lambdalake-deploy' },
      { command: cli('deploy'), resources: resources('500m', '512Mi', '1Gi') },
    );
    const deployJob = new k8s.batch.v1.Job(
      `${name}-deploy`,
      {
        metadata: {
          namespace,
          name: `lambdalake-deploy-${definitionsHash}`,
          annotations: {
            'lambdalake.io/tables': args.tables.map((t) => `${t.namespace}.${t.name}`).join(','),
          },
        },
        spec: {
          backoffLimit: 6,
          template: { ...jobPod, spec: { ...jobPod.spec, restartPolicy: 'OnFailure' } },
        },
      },
      // After serving is ready: deploy runs the first batch cycles, which register union views
      // with serving over its HTTP API.
      { ...k, dependsOn: [...this.tables, serving, service] },
    );

    new k8s.autoscaling.v2.HorizontalPodAutoscaler(
      `${name}-serving`,
      {
        metadata: { namespace, name: 'lambdalake-serving' },
        spec: {
          scaleTargetRef: {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: serving.metadata.name,
          },
          minReplicas: args.servingMinReplicas,
          maxReplicas: args.servingMaxReplicas,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
            },
          ],
        },
      },
      k,
    );
    const schedulerLabels = { app: 'lambdalake-scheduler' };
    new k8s.apps.v1.Deployment(
      `${name}-scheduler`,
      // One scheduler: batch cycles are guarded by the publish commit anyway, but two would duplicate work.
      {
        metadata: { name: 'lambdalake-scheduler', namespace, labels: schedulerLabels },
        spec: {
          replicas: 1,
          strategy: { type: 'Recreate' },
          selector: { matchLabels: schedulerLabels },
          template: pod(
            schedulerLabels,
            {
              command: cli('run'),
              ports: [{ name: 'metrics', containerPort: SCHEDULER_METRICS_PORT }],
              resources: resources('250m', '512Mi', '1Gi'),
              // `status` proves it can reach the catalog, Kafka and Flink with its credentials,
              // which is what it needs to work (its /metrics answers even when they are down).
              ...probes({ exec: { command: cli('status', '--json') } }, 60, 60),
            },
            // Prometheus' kubernetes-pods scrape config reads these: batch-step durations, and
            // status as gauges (publication age, ingestion and speed lag, dead letters, drift).
            {
              'prometheus.io/scrape': 'true',
              'prometheus.io/port': String(SCHEDULER_METRICS_PORT),
              'prometheus.io/path': '/metrics',
            },
          ),
        },
      },
      { ...k, dependsOn: [deployJob] },
    );
    this.sqlEndpoint = pulumi.interpolate`postgres://${args.sqlUser}@${args.servingPgAddress}:5432/lambdalake?sslmode=require`;
    this.httpEndpoint = service.status.loadBalancer.ingress.apply(
      (ingress) =>
        `http://${ingress?.[0]?.hostname ?? ingress?.[0]?.ip ?? 'pending'}:${SERVING_HTTP_PORT}`,
    );
    this.registerOutputs({ sqlEndpoint: this.sqlEndpoint, httpEndpoint: this.httpEndpoint });
  }
}
