import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';

export interface PrivatePostgresArgs {
  vpcId: string;
  privateSubnetIds: string[];
  /** The EKS cluster security group: the only source admitted on 5432. */
  clientSecurityGroupId?: pulumi.Input<string>;
  instanceClass: string;
  dbName: string;
  username: string;
  allocatedStorage?: number;
  multiAz?: boolean;
}

/**
 * An Amazon RDS PostgreSQL instance reachable only from the cluster: private subnets, its own
 * security group admitting the cluster security group, encrypted, TLS enforced, deletion protected.
 * The owner's password is generated and only travels through Kubernetes Secrets.
 */
export class PrivatePostgres extends pulumi.ComponentResource {
  readonly address: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly password: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
  readonly username: string;
  readonly dbName: string;

  constructor(name: string, args: PrivatePostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lambdalake:db:PrivatePostgres', name, {}, opts);
    const parent = { parent: this };
    this.username = args.username;
    this.dbName = args.dbName;
    const password = new random.RandomPassword(
      `${name}-password`,
      // RDS refuses '/', '@', '"' and spaces; URL-safe characters keep connection strings simple.
      { length: 32, special: false },
      parent,
    );
    const sg = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: `lambdalake ${args.dbName} database: the EKS cluster only`,
        ingress: args.clientSecurityGroupId
          ? [
              {
                protocol: 'tcp',
                fromPort: 5432,
                toPort: 5432,
                securityGroups: [args.clientSecurityGroupId],
                description: 'EKS cluster security group (nodes and pods)',
              },
            ]
          : [],
      },
      parent,
    );
    const subnets = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      { subnetIds: args.privateSubnetIds },
      parent,
    );
    const params = new aws.rds.ParameterGroup(
      `${name}-params`,
      {
        family: 'postgres16',
        parameters: [{ name: 'rds.force_ssl', value: '1' }],
      },
      parent,
    );
    const db = new aws.rds.Instance(
      `${name}-db`,
      {
        engine: 'postgres',
        engineVersion: '16',
        instanceClass: args.instanceClass,
        allocatedStorage: args.allocatedStorage ?? 20,
        storageType: 'gp3',
        dbName: args.dbName,
        username: args.username,
        password: password.result,
        dbSubnetGroupName: subnets.name,
        parameterGroupName: params.name,
        vpcSecurityGroupIds: [sg.id],
        multiAz: args.multiAz ?? false,
        publiclyAccessible: false,
        storageEncrypted: true,
        backupRetentionPeriod: 7,
        deletionProtection: true,
        skipFinalSnapshot: false,
        finalSnapshotIdentifier: `${name}-final`,
      },
      parent,
    );
    this.address = db.address;
    this.port = db.port;
    this.password = pulumi.secret(password.result);
    this.securityGroupId = sg.id;
    this.registerOutputs({ address: this.address });
  }

  /** postgres:// URL for the owner, TLS required (RDS forces it). */
  ownerUrl(): pulumi.Output<string> {
    return pulumi.secret(
      pulumi.interpolate`postgres://${this.username}:${this.password}@${this.address}:${this.port}/${this.dbName}?sslmode=require`,
    );
  }
}
