import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';

export interface CatalogArgs {
  mode: 'lakekeeper' | 'external';
  externalUrl?: string;
  vpcId: string;
  privateSubnetIds: string[];
  clientSecurityGroupId?: pulumi.Input<string>;
  dbInstanceClass: string;
  image: string;
  k8sProvider: k8s.Provider;
  k8sNamespace: pulumi.Input<string>;
  serviceAccountName: pulumi.Input<string>;
}

/** The Iceberg REST catalog: Lakekeeper with RDS PostgreSQL (private, encrypted), or an existing one by URL. */
export class IcebergCatalog extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: CatalogArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lambdalake:catalog:IcebergCatalog', name, {}, opts);
    if (args.mode === 'external') {
      this.url = pulumi.output(args.externalUrl!);
      this.registerOutputs({ url: this.url });
      return;
    }
    const parent = { parent: this };
    const password = new random.RandomPassword(
      `${name}-db-password`,
      { length: 32, special: false },
      parent,
    );
    const sg = new aws.ec2.SecurityGroup(
      `${name}-db-sg`,
      {
        vpcId: args.vpcId,
        description: 'lambdalake catalog database: the cluster only',
        ingress: args.clientSecurityGroupId
          ? [
              {
                protocol: 'tcp',
                fromPort: 5432,
                toPort: 5432,
                securityGroups: [args.clientSecurityGroupId],
              },
            ]
          : [],
      },
      parent,
    );
    const subnets = new aws.rds.SubnetGroup(
      `${name}-db-subnets`,
      { subnetIds: args.privateSubnetIds },
      parent,
    );
    const db = new aws.rds.Instance(
      `${name}-db`,
      {
        engine: 'postgres',
        engineVersion: '16',
        instanceClass: args.dbInstanceClass,
        allocatedStorage: 20,
        dbName: 'catalog',
        username: 'lakekeeper',
        password: password.result,
        dbSubnetGroupName: subnets.name,
        vpcSecurityGroupIds: [sg.id],
        publiclyAccessible: false,
        storageEncrypted: true,
        backupRetentionPeriod: 7,
        deletionProtection: true,
        skipFinalSnapshot: false,
        finalSnapshotIdentifier: `${name}-final`,
      },
      parent,
    );
    const k = { parent: this, provider: args.k8sProvider };
    const ns = { metadata: { name: pulumi.output(args.k8sNamespace) } };
    const secret = new k8s.core.v1.Secret(
      `${name}-db`,
      {
        metadata: { namespace: ns.metadata.name },
        stringData: {
          LAKEKEEPER__PG_DATABASE_URL_WRITE: pulumi.interpolate`postgresql://lakekeeper:${password.result}@${db.endpoint}/catalog`,
          LAKEKEEPER__PG_DATABASE_URL_READ: pulumi.interpolate`postgresql://lakekeeper:${password.result}@${db.endpoint}/catalog`,
        },
      },
      k,
    );
    const labels = { app: 'iceberg-catalog' };
    new k8s.apps.v1.Deployment(
      `${name}-lakekeeper`,
      {
        metadata: { namespace: ns.metadata.name, labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: args.serviceAccountName,
              initContainers: [
                {
                  name: 'migrate',
                  image: args.image,
                  args: ['migrate'],
                  envFrom: [{ secretRef: { name: secret.metadata.name } }],
                },
              ],
              containers: [
                {
                  name: 'lakekeeper',
                  image: args.image,
                  args: ['serve'],
                  ports: [{ containerPort: 8181 }],
                  envFrom: [{ secretRef: { name: secret.metadata.name } }],
                  securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false },
                },
              ],
            },
          },
        },
      },
      k,
    );
    const svc = new k8s.core.v1.Service(
      `${name}-svc`,
      {
        metadata: { namespace: ns.metadata.name, name: 'iceberg-catalog' },
        spec: { type: 'ClusterIP', selector: labels, ports: [{ port: 8181 }] },
      },
      k,
    );
    this.url = pulumi.interpolate`http://${svc.metadata.name}.${ns.metadata.name}.svc:8181/catalog`;
    this.registerOutputs({ url: this.url });
  }
}
