import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';

export interface FlinkArgs {
  k8sProvider: k8s.Provider;
  flinkVersion: string;
  operatorVersion: string;
  taskManagers: number;
  taskSlots: number;
  /** Connector jars fetched from Maven Central into lib/ by an init container (same pins as the local stack). */
  connectorJars: string[];
  warehouseUri: pulumi.Input<string>;
  /** Kubernetes namespace, and its service account with the warehouse role (IRSA). */
  k8sNamespace: pulumi.Input<string>;
  serviceAccountName: pulumi.Input<string>;
}

/** The Flink Kubernetes Operator (Helm), a session FlinkDeployment, and the SQL Gateway as Deployment + Service. */
export class FlinkPlatform extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  readonly sqlGatewayUrl: pulumi.Output<string>;
  readonly restUrl: pulumi.Output<string>;

  constructor(name: string, args: FlinkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lambdalake:flink:FlinkPlatform', name, {}, opts);
    const k = { parent: this, provider: args.k8sProvider };
    const ns = { metadata: { name: pulumi.output(args.k8sNamespace) } };
    this.namespace = ns.metadata.name;
    const operator = new k8s.helm.v3.Release(
      `${name}-operator`,
      {
        chart: 'flink-kubernetes-operator',
        version: args.operatorVersion,
        repositoryOpts: {
          repo: `https://downloads.apache.org/flink/flink-kubernetes-operator-${args.operatorVersion}/`,
        },
        namespace: ns.metadata.name,
        values: { webhook: { create: false } },
      },
      k,
    );
    const image = `flink:${args.flinkVersion}-java17`;
    const fetchJars = {
      name: 'fetch-connectors',
      image: 'curlimages/curl:8.11.1',
      command: [
        'sh',
        '-c',
        args.connectorJars
          .map((url) => `curl -fsSL -o /connectors/$(basename ${url}) ${url}`)
          .join(' && '),
      ],
      volumeMounts: [{ name: 'connectors', mountPath: '/connectors' }],
    };
    const libMount = { name: 'connectors', mountPath: '/opt/flink/lib/connectors' };
    const session = new k8s.apiextensions.CustomResource(
      `${name}-session`,
      {
        apiVersion: 'flink.apache.org/v1beta1',
        kind: 'FlinkDeployment',
        metadata: { name: 'lambdalake', namespace: ns.metadata.name },
        spec: {
          image,
          flinkVersion: `v${args.flinkVersion.split('.').slice(0, 2).join('_')}`,
          serviceAccount: args.serviceAccountName,
          flinkConfiguration: {
            'taskmanager.numberOfTaskSlots': String(args.taskSlots),
            'execution.checkpointing.dir': pulumi.interpolate`${args.warehouseUri}/../flink/checkpoints`,
            'execution.checkpointing.savepoint-dir': pulumi.interpolate`${args.warehouseUri}/../flink/savepoints`,
            'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
          },
          jobManager: { resource: { memory: '2048m', cpu: 1 } },
          taskManager: { replicas: args.taskManagers, resource: { memory: '4096m', cpu: 2 } },
          podTemplate: {
            spec: {
              initContainers: [fetchJars],
              containers: [{ name: 'flink-main-container', volumeMounts: [libMount] }],
              volumes: [{ name: 'connectors', emptyDir: {} }],
            },
          },
        },
      },
      { ...k, dependsOn: [operator] },
    );
    this.restUrl = pulumi.interpolate`http://lambdalake-rest.${ns.metadata.name}.svc:8081`;
    const labels = { app: 'flink-sql-gateway' };
    new k8s.apps.v1.Deployment(
      `${name}-sql-gateway`,
      {
        metadata: { namespace: ns.metadata.name, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: args.serviceAccountName,
              initContainers: [fetchJars],
              containers: [
                {
                  name: 'sql-gateway',
                  image,
                  args: [
                    'bin/sql-gateway.sh',
                    'start-foreground',
                    '-Dsql-gateway.endpoint.rest.address=0.0.0.0',
                    '-Drest.address=lambdalake-rest',
                    '-Drest.port=8081',
                  ],
                  ports: [{ containerPort: 8083 }],
                  volumeMounts: [libMount],
                  securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false },
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
        metadata: { namespace: ns.metadata.name, name: 'flink-sql-gateway' },
        spec: { type: 'ClusterIP', selector: labels, ports: [{ port: 8083 }] },
      },
      k,
    );
    this.sqlGatewayUrl = pulumi.interpolate`http://${svc.metadata.name}.${ns.metadata.name}.svc:8083`;
    this.registerOutputs({ sqlGatewayUrl: this.sqlGatewayUrl, restUrl: this.restUrl });
  }
}
