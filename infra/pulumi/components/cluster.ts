import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';

export interface ClusterArgs {
  mode: 'eks' | 'existing';
  vpcId: string;
  privateSubnetIds: string[];
  /** EKS version ("1.34"): pinned, so the infra check validates against the same API. */
  kubernetesVersion: string;
  nodeInstanceType: string;
  nodeCount: number;
  /** With mode 'existing'. */
  kubeconfig?: pulumi.Output<string>;
  /** With mode 'existing': the security group its nodes and pods use (reaches MSK and RDS). */
  existingSecurityGroupId?: string;
}

/** Graviton instance families (m7g, c8g, r7gd…) need the ARM AMI and arm64 images. */
export function isArmInstanceType(instanceType: string): boolean {
  return /^[a-z]+\d+g[a-z]*\./.test(instanceType);
}

/** The Kubernetes cluster: a private EKS cluster with an OIDC provider for IRSA, or an existing one. */
export class Cluster extends pulumi.ComponentResource {
  readonly provider: k8s.Provider;
  /**
   * The EKS cluster security group: EKS attaches it to the control plane and to every managed
   * node (so to every pod without security groups for pods). MSK and RDS admit this group; a
   * group passed in vpcConfig.securityGroupIds would sit on the control-plane ENIs only.
   */
  readonly securityGroupId: pulumi.Output<string> | undefined;
  /** For IAM roles for service accounts; undefined for an existing cluster (bring your own roles). */
  readonly oidc?: { arn: pulumi.Output<string>; issuer: pulumi.Output<string> };

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lambdalake:compute:Cluster', name, {}, opts);
    const parent = { parent: this };
    if (args.mode === 'existing') {
      this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: args.kubeconfig }, parent);
      this.securityGroupId = args.existingSecurityGroupId
        ? pulumi.output(args.existingSecurityGroupId)
        : undefined;
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
    const clusterPolicy = new aws.iam.RolePolicyAttachment(
      `${name}-cluster-policy`,
      { role: clusterRole.name, policyArn: 'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy' },
      parent,
    );
    const cluster = new aws.eks.Cluster(
      `${name}-eks`,
      {
        roleArn: clusterRole.arn,
        version: args.kubernetesVersion,
        vpcConfig: {
          subnetIds: args.privateSubnetIds,
          // Private only: `pulumi up` runs from inside the VPC (see the README).
          endpointPrivateAccess: true,
          endpointPublicAccess: false,
        },
        // The identity that runs `pulumi up` becomes cluster admin, so the Kubernetes provider
        // below can create objects right after the cluster exists.
        accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: true },
      },
      { ...parent, dependsOn: [clusterPolicy] },
    );
    // Internal load balancers go to subnets tagged for them (cloud-provider-aws's discovery).
    args.privateSubnetIds.forEach(
      (subnetId, i) =>
        new aws.ec2.Tag(
          `${name}-internal-elb-${i}`,
          { resourceId: subnetId, key: 'kubernetes.io/role/internal-elb', value: '1' },
          parent,
        ),
    );
    const nodeRole = new aws.iam.Role(
      `${name}-node-role`,
      { assumeRolePolicy: assume('ec2.amazonaws.com') },
      parent,
    );
    const nodePolicies = [
      'AmazonEKSWorkerNodePolicy',
      'AmazonEKS_CNI_Policy',
      'AmazonEC2ContainerRegistryReadOnly',
    ].map(
      (policy) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-node-${policy}`,
          { role: nodeRole.name, policyArn: `arn:aws:iam::aws:policy/${policy}` },
          parent,
        ),
    );
    const nodes = new aws.eks.NodeGroup(
      `${name}-nodes`,
      {
        clusterName: cluster.name,
        nodeRoleArn: nodeRole.arn,
        subnetIds: args.privateSubnetIds,
        instanceTypes: [args.nodeInstanceType],
        amiType: isArmInstanceType(args.nodeInstanceType)
          ? 'AL2023_ARM_64_STANDARD'
          : 'AL2023_x86_64_STANDARD',
        scalingConfig: {
          desiredSize: args.nodeCount,
          minSize: args.nodeCount,
          maxSize: args.nodeCount * 2,
        },
      },
      // Nodes without their policies never join the cluster.
      { ...parent, dependsOn: nodePolicies },
    );
    // The HPA scales on CPU utilisation, which only metrics-server reports.
    new aws.eks.Addon(
      `${name}-metrics-server`,
      { clusterName: cluster.name, addonName: 'metrics-server' },
      { ...parent, dependsOn: [nodes] },
    );
    const issuer = cluster.identities.apply((ids) => ids[0]?.oidcs?.[0]?.issuer ?? '');
    const oidc = new aws.iam.OpenIdConnectProvider(
      `${name}-oidc`,
      { url: issuer, clientIdLists: ['sts.amazonaws.com'] },
      parent,
    );
    this.oidc = { arn: oidc.arn, issuer };
    this.securityGroupId = cluster.vpcConfig.clusterSecurityGroupId;
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
    // Workloads and Helm releases wait for readiness: they need the nodes first.
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig },
      { ...parent, dependsOn: [nodes] },
    );
    this.registerOutputs({ endpoint: cluster.endpoint });
  }
}
