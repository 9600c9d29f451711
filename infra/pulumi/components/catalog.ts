import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { probes, resources, restrictedContainer, restrictedPod } from './podSecurity.ts';
import { PrivatePostgres } from './postgres.ts';

export interface CatalogArgs {
  mode: 'lakekeeper' | 'external';
  externalUrl?: string;
  vpcId: string;
  privateSubnetIds: string[];
  clientSecurityGroupId?: pulumi.Input<string>;
  dbInstanceClass: string;
  image: string;
  region: string;
  /** The warehouse bucket (name only) and the key prefix tables live under. */
  bucket: pulumi.Input<string>;
  keyPrefix: string;
  /** The warehouse name clients pass (`warehouse` catalog property). */
  warehouse: string;
  k8sProvider: k8s.Provider;
  k8sNamespace: pulumi.Input<string>;
  serviceAccountName: pulumi.Input<string>;
}

/**
 * Lakekeeper's image is distroless with root as its user; it needs no root, so it runs as the
 * distroless `nonroot` user.
 */
export const LAKEKEEPER_UID = 65532;

/**
 * The warehouse Lakekeeper serves: S3 storage profile on the warehouse bucket, credentials from
 * Lakekeeper's own web identity (IRSA, `aws-system-identity`), no vended STS credentials (Flink
 * and lambdalake have their own IRSA role on the same bucket).
 */
export function lakekeeperWarehouse(args: {
  warehouse: string;
  bucket: string;
  keyPrefix: string;
  region: string;
}) {
  return {
    'warehouse-name': args.warehouse,
    'storage-profile': {
      type: 's3',
      bucket: args.bucket,
      'key-prefix': args.keyPrefix,
      region: args.region,
      'sts-enabled': false,
      flavor: 'aws',
    },
    'storage-credential': { type: 's3', 'credential-type': 'aws-system-identity' },
  };
}

/** The Iceberg REST catalog: Lakekeeper with RDS PostgreSQL (private, encrypted), or an existing one by URL. */
export class IcebergCatalog extends pulumi.ComponentResource {
  /** The catalog's REST base URL (clients add `warehouse`). */
  readonly url: pulumi.Output<string>;
  readonly warehouse: string;

  constructor(name: string, args: CatalogArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lambdalake:catalog:IcebergCatalog', name, {}, opts);
    this.warehouse = args.warehouse;
    if (args.mode === 'external') {
      if (!args.externalUrl) throw new Error('catalogMode external needs lambdalake:catalogUrl');
      this.url = pulumi.output(args.externalUrl);
      this.registerOutputs({ url: this.url });
      return;
    }
    const db = new PrivatePostgres(
      `${name}-pg`,
      {
        vpcId: args.vpcId,
        privateSubnetIds: args.privateSubnetIds,
        clientSecurityGroupId: args.clientSecurityGroupId,
        instanceClass: args.dbInstanceClass,
        dbName: 'catalog',
        username: 'lakekeeper',
      },
      { parent: this },
    );
    // Lakekeeper encrypts the secrets it stores (storage credentials) with this key.
    const encryptionKey = new random.RandomPassword(
      `${name}-encryption-key`,
      { length: 48, special: false },
      { parent: this },
    );
    const k = { parent: this, provider: args.k8sProvider };
    const namespace = pulumi.output(args.k8sNamespace);
    const dbUrl = pulumi.interpolate`postgresql://${db.username}:${db.password}@${db.address}:${db.port}/${db.dbName}?sslmode=require`;
    const secret = new k8s.core.v1.Secret(
      `${name}-db`,
      {
        metadata: { namespace },
        stringData: {
          LAKEKEEPER__PG_DATABASE_URL_WRITE: dbUrl,
          LAKEKEEPER__PG_DATABASE_URL_READ: dbUrl,
          LAKEKEEPER__PG_ENCRYPTION_KEY: encryptionKey.result,
        },
      },
      k,
    );
    const env = [
      // The aws-system-identity storage credential uses the pod's IRSA role.
      { name: 'LAKEKEEPER__ENABLE_AWS_SYSTEM_CREDENTIALS', value: 'true' },
      { name: 'AWS_REGION', value: args.region },
    ];
    const envFrom = [{ secretRef: { name: secret.metadata.name } }];
    const labels = { app: 'iceberg-catalog' };
    const deployment = new k8s.apps.v1.Deployment(
      `${name}-lakekeeper`,
      {
        metadata: { name: 'iceberg-catalog', namespace, labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: args.serviceAccountName,
              securityContext: restrictedPod(LAKEKEEPER_UID),
              initContainers: [
                {
                  name: 'migrate',
                  image: args.image,
                  args: ['migrate'],
                  env,
                  envFrom,
                  securityContext: restrictedContainer(LAKEKEEPER_UID),
                  resources: resources('100m', '128Mi', '256Mi'),
                },
              ],
              containers: [
                {
                  name: 'lakekeeper',
                  image: args.image,
                  args: ['serve'],
                  ports: [{ name: 'http', containerPort: 8181 }],
                  env,
                  envFrom,
                  securityContext: restrictedContainer(LAKEKEEPER_UID),
                  resources: resources('250m', '256Mi', '512Mi'),
                  ...probes({ httpGet: { path: '/health', port: 8181 } }, 15),
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
        metadata: { namespace, name: 'iceberg-catalog' },
        spec: { type: 'ClusterIP', selector: labels, ports: [{ name: 'http', port: 8181 }] },
      },
      k,
    );
    const base = pulumi.interpolate`http://${svc.metadata.name}.${namespace}.svc:8181`;
    this.url = pulumi.interpolate`${base}/catalog`;
    // Lakekeeper serves nothing until bootstrapped, and a table needs a warehouse. Both calls
    // are idempotent here: 409 (already bootstrapped / warehouse exists) counts as done.
    const warehouseBody = pulumi.output(args.bucket).apply((bucket) =>
      JSON.stringify(
        lakekeeperWarehouse({
          warehouse: args.warehouse,
          bucket,
          keyPrefix: args.keyPrefix,
          region: args.region,
        }),
      ),
    );
    const script = pulumi.interpolate`set -eu
post() { code=$(curl -sS -o /tmp/out -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d "$2" "${base}$1"); cat /tmp/out; echo; case "$code" in 2*|409) ;; *) echo "POST $1: HTTP $code" >&2; exit 1;; esac; }
post /management/v1/bootstrap '{"accept-terms-of-use": true}'
post /management/v1/warehouse '${warehouseBody}'
`;
    new k8s.batch.v1.Job(
      `${name}-bootstrap`,
      {
        metadata: { namespace, name: 'iceberg-catalog-bootstrap' },
        spec: {
          backoffLimit: 10,
          template: {
            spec: {
              restartPolicy: 'OnFailure',
              securityContext: restrictedPod(100),
              containers: [
                {
                  name: 'bootstrap',
                  image: 'curlimages/curl:8.11.1',
                  command: ['sh', '-c', script],
                  securityContext: restrictedContainer(100, { readOnlyRoot: false }),
                  resources: resources('50m', '32Mi', '64Mi'),
                },
              ],
            },
          },
        },
      },
      { ...k, dependsOn: [deployment, svc] },
    );
    this.registerOutputs({ url: this.url });
  }
}
