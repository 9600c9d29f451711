import { createHash } from 'node:crypto';
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';

export interface TableDeclaration {
  namespace: string;
  name: string;
  /** Iceberg schema and partition spec as the compiler emits them. */
  spec: unknown;
}

export interface LambdalakeArgs {
  k8sProvider: k8s.Provider;
  image: string;
  namespace: string;
  servingMinReplicas: number;
  servingMaxReplicas: number;
  servingToken: pulumi.Input<string>;
  sqlPassword: pulumi.Input<string>;
  kafkaBootstrap: pulumi.Input<string>;
  catalogUrl: pulumi.Input<string>;
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

/** The IAM role for service accounts: web identity from the cluster's OIDC provider, the warehouse only. */
export function warehouseRole(
  name: string,
  oidc: { arn: pulumi.Output<string>; issuer: pulumi.Output<string> },
  serviceAccounts: string[],
  policy: pulumi.Output<string>,
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
  new aws.iam.RolePolicy(`${name}-warehouse-policy`, { role: role.id, policy }, opts);
  return role;
}

/** lambdalake's own workloads: serving (Deployment, internal Service, autoscaling), scheduler, deploy Job. */
export class LambdalakeServices extends pulumi.ComponentResource {
  readonly sqlEndpoint: pulumi.Output<string>;
  readonly tables: IcebergTable[];

  constructor(name: string, args: LambdalakeArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lambdalake:app:LambdalakeServices', name, {}, opts);
    const k = { parent: this, provider: args.k8sProvider };
    const secret = new k8s.core.v1.Secret(
      `${name}-secrets`,
      {
        metadata: { namespace: args.k8sNamespace },
        stringData: {
          LAMBDALAKE_SERVING_TOKEN: args.servingToken,
          LAMBDALAKE_SQL_PASSWORD: args.sqlPassword,
        },
      },
      k,
    );
    const env = [
      { name: 'LAMBDALAKE_NAMESPACE', value: args.namespace },
      { name: 'LAMBDALAKE_KAFKA_BROKERS', value: args.kafkaBootstrap },
      { name: 'LAMBDALAKE_ICEBERG_URL', value: args.catalogUrl },
      { name: 'LAMBDALAKE_SQL_GATEWAY_URL', value: args.sqlGatewayUrl },
      { name: 'LAMBDALAKE_FLINK_URL', value: args.flinkRestUrl },
      { name: 'LAMBDALAKE_SERVING_URL', value: 'http://lambdalake-serving:18090' },
    ];
    const envFrom = [{ secretRef: { name: secret.metadata.name } }];
    const hardened = {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    };
    const pod = (
      labels: Record<string, string>,
      command: string[],
      ports: { containerPort: number }[] = [],
    ) => ({
      metadata: { labels },
      spec: {
        serviceAccountName: args.serviceAccountName,
        containers: [
          {
            name: labels.app!,
            image: args.image,
            command,
            env,
            envFrom,
            ports,
            securityContext: hardened,
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          },
        ],
        volumes: [{ name: 'tmp', emptyDir: {} }],
      },
    });

    this.tables = args.tables.map(
      (t) => new IcebergTable(`${name}-table-${t.namespace}.${t.name}`, t, { parent: this }),
    );
    // Re-run when the definitions change: the job's name carries a hash of every table it declares.
    const definitionsHash = createHash('sha256')
      .update(JSON.stringify(args.tables))
      .digest('hex')
      .slice(0, 10);
    const jobPod = pod({ app: 'lambdalake-deploy' }, ['npx', 'lambdalake', 'deploy']);
    const deployJob = new k8s.batch.v1.Job(
      `${name}-deploy`,
      {
        metadata: {
          namespace: args.k8sNamespace,
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
      { ...k, dependsOn: this.tables },
    );

    const servingLabels = { app: 'lambdalake-serving' };
    const serving = new k8s.apps.v1.Deployment(
      `${name}-serving`,
      {
        metadata: { namespace: args.k8sNamespace, labels: servingLabels },
        spec: {
          replicas: args.servingMinReplicas,
          selector: { matchLabels: servingLabels },
          template: pod(
            servingLabels,
            ['node', '--import', 'tsx', 'src/serving/main.ts'],
            [{ containerPort: 15432 }, { containerPort: 18090 }],
          ),
        },
      },
      { ...k, dependsOn: [deployJob] },
    );
    const service = new k8s.core.v1.Service(
      `${name}-serving`,
      {
        metadata: {
          namespace: args.k8sNamespace,
          name: 'lambdalake-serving',
          // Private: an internal load balancer inside the VPC, never internet-facing.
          annotations: {
            'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
            'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
          },
        },
        spec: {
          type: 'LoadBalancer',
          selector: servingLabels,
          ports: [
            { name: 'postgres', port: 5432, targetPort: 15432 },
            { name: 'http', port: 18090, targetPort: 18090 },
          ],
        },
      },
      k,
    );
    new k8s.autoscaling.v2.HorizontalPodAutoscaler(
      `${name}-serving`,
      {
        metadata: { namespace: args.k8sNamespace },
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
        metadata: { namespace: args.k8sNamespace, labels: schedulerLabels },
        spec: {
          replicas: 1,
          strategy: { type: 'Recreate' },
          selector: { matchLabels: schedulerLabels },
          template: pod(schedulerLabels, ['npx', 'lambdalake', 'run']),
        },
      },
      { ...k, dependsOn: [deployJob] },
    );
    this.sqlEndpoint = service.status.loadBalancer.ingress.apply(
      (ingress) =>
        `postgres://${ingress?.[0]?.hostname ?? ingress?.[0]?.ip ?? 'pending'}:5432/lambdalake`,
    );
    this.registerOutputs({ sqlEndpoint: this.sqlEndpoint });
  }
}
