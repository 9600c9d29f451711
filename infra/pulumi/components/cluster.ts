import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';

export interface ClusterArgs {
  mode: 'eks' | 'existing';
  vpcId: string;
  privateSubnetIds: string[];
  nodeInstanceType: string;
  nodeCount: number;
  /** With mode 'existing'. */
  kubeconfig?: pulumi.Output<string>;
}

/** The Kubernetes cluster: a private EKS cluster with an OIDC provider for IRSA, or an existing one. */
export class Cluster extends pulumi.ComponentResource {
  readonly provider: k8s.Provider;
  readonly securityGroupId: pulumi.Output<string> | undefined;
  /** For IAM roles for service accounts; undefined for an existing cluster (bring your own roles). */
  readonly oidc?: { arn: pulumi.Output<string>; issuer: pulumi.Output<string> };

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lambdalake:compute:Cluster', name, {}, opts);
    const parent = { parent: this };
    if (args.mode === 'existing') {
      this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: args.kubeconfig }, parent);
      this.registerOutputs({});
      return;
    }
    const assume = (service: string) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
      });
    const clusterRole = new aws.iam.Role(
      `${name}-cluster-role`,
      { assumeRolePolicy: assume('eks.amazonaws.com') },
      parent,
    );
    new aws.iam.RolePolicyAttachment(
      `${name}-cluster-policy`,
      { role: clusterRole.name, policyArn: 'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy' },
      parent,
    );
    const sg = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: 'lambdalake cluster',
        egress: [{ protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'] }],
      },
      parent,
    );
    const cluster = new aws.eks.Cluster(
      `${name}-eks`,
      {
        roleArn: clusterRole.arn,
        vpcConfig: {
          subnetIds: args.privateSubnetIds,
          securityGroupIds: [sg.id],
          endpointPrivateAccess: true,
          endpointPublicAccess: false,
        },
        accessConfig: { authenticationMode: 'API' },
      },
      parent,
    );
    const nodeRole = new aws.iam.Role(
      `${name}-node-role`,
      { assumeRolePolicy: assume('ec2.amazonaws.com') },
      parent,
    );
    for (const policy of [
      'AmazonEKSWorkerNodePolicy',
      'AmazonEKS_CNI_Policy',
      'AmazonEC2ContainerRegistryReadOnly',
    ])
      new aws.iam.RolePolicyAttachment(
        `${name}-node-${policy}`,
        { role: nodeRole.name, policyArn: `arn:aws:iam::aws:policy/${policy}` },
        parent,
      );
    new aws.eks.NodeGroup(
      `${name}-nodes`,
      {
        clusterName: cluster.name,
        nodeRoleArn: nodeRole.arn,
        subnetIds: args.privateSubnetIds,
        instanceTypes: [args.nodeInstanceType],
        amiType: 'AL2023_ARM_64_STANDARD',
        scalingConfig: {
          desiredSize: args.nodeCount,
          minSize: args.nodeCount,
          maxSize: args.nodeCount * 2,
        },
      },
      parent,
    );
    const issuer = cluster.identities.apply((ids) => ids[0]?.oidcs?.[0]?.issuer ?? '');
    const oidc = new aws.iam.OpenIdConnectProvider(
      `${name}-oidc`,
      { url: issuer, clientIdLists: ['sts.amazonaws.com'] },
      parent,
    );
    this.oidc = { arn: oidc.arn, issuer };
    this.securityGroupId = sg.id;
    const kubeconfig = pulumi.jsonStringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'lambdalake',
          cluster: {
            server: cluster.endpoint,
            'certificate-authority-data': cluster.certificateAuthority.data,
          },
        },
      ],
      contexts: [{ name: 'lambdalake', context: { cluster: 'lambdalake', user: 'aws' } }],
      'current-context': 'lambdalake',
      users: [
        {
          name: 'aws',
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1beta1',
              command: 'aws',
              args: ['eks', 'get-token', '--cluster-name', cluster.name],
            },
          },
        },
      ],
    });
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig }, parent);
    this.registerOutputs({ endpoint: cluster.endpoint });
  }
}
