import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { FLINK_IMAGE_UID } from '../components/flink.ts';
import { LAKEKEEPER_UID } from '../components/catalog.ts';
import { LAMBDALAKE_IMAGE_UID, SERVING_HTTP_PORT } from '../components/lambdalake.ts';
import { settingProblems } from '../program.ts';
import { kubernetesObjects, type KubernetesObject } from './kubeconform.ts';
import { exampleSettings, installMocks, ofType, type Registered, runProgram } from './mockRun.ts';

// Rules AWS and kubelet enforce at apply time, which no schema and no mock checks by itself.

beforeAll(installMocks);

interface Container {
  name: string;
  image?: string;
  command?: string[];
  env?: { name: string; value?: string }[];
  ports?: { containerPort: number }[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  resources?: { requests?: { cpu?: string; memory?: string } };
  readinessProbe?: { httpGet?: { port: number } };
  livenessProbe?: unknown;
}
interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
  initContainers?: Container[];
}

/** Every pod spec among the objects: Deployments, Jobs and the FlinkDeployment's pod template. */
function podSpecs(objects: KubernetesObject[]): { owner: string; spec: PodSpec }[] {
  return objects.flatMap((o) => {
    const spec = o.spec as
      { template?: { spec?: PodSpec }; podTemplate?: { spec?: PodSpec } } | undefined;
    const pod = spec?.template?.spec ?? spec?.podTemplate?.spec;
    return pod ? [{ owner: `${o.kind}/${o.metadata.name}`, spec: pod }] : [];
  });
}

// The user each third-party image was built for, from its published image configuration.
const IMAGE_USERS: [RegExp, number][] = [
  [/^flink:/, FLINK_IMAGE_UID],
  [/^quay\.io\/lakekeeper\//, LAKEKEEPER_UID],
  [/^curlimages\/curl:/, 100],
];

async function dockerfileUser(): Promise<number> {
  const dockerfile = await readFile(resolve(import.meta.dirname, '../../../Dockerfile'), 'utf8');
  const user = /^USER\s+(\d+)(?::\d+)?\s*$/m.exec(dockerfile);
  if (!user) throw new Error('the Dockerfile has no numeric USER');
  return Number(user[1]);
}

describe('AWS and kubelet rules the program must satisfy', () => {
  let resources: Registered[];
  let objects: KubernetesObject[];
  beforeAll(async () => {
    ({ resources } = await runProgram());
    objects = kubernetesObjects(resources);
    // The program compiles the definitions first: seconds on a loaded CI machine.
  }, 120_000);

  test('MSK: the broker count is a multiple of the client subnets', () => {
    const msk = ofType(resources, 'aws:msk/cluster:Cluster')[0]!.inputs as {
      numberOfBrokerNodes: number;
      brokerNodeGroupInfo: { clientSubnets: string[] };
    };
    expect(msk.numberOfBrokerNodes % msk.brokerNodeGroupInfo.clientSubnets.length).toBe(0);
    // And the settings that MSK would refuse are refused before anything is created.
    expect(
      settingProblems(
        exampleSettings({ privateSubnetIds: ['subnet-a', 'subnet-b'], kafkaBrokers: 3 }),
      ),
    ).toEqual([expect.stringContaining('multiple of the client subnets: 3 brokers on 2 subnets')]);
  });

  test('MSK and both RDS instances admit exactly the EKS cluster security group', () => {
    // The mocks give the EKS cluster's computed vpcConfig.clusterSecurityGroupId this value.
    const clusterSg = 'sg-eks-cluster';
    const groups = ofType(resources, 'aws:ec2/securityGroup:SecurityGroup');
    expect(groups.map((g) => g.name).sort()).toEqual(['catalog-pg-sg', 'kafka-sg', 'serving-sg']);
    for (const g of groups) {
      const ingress = g.inputs.ingress as { securityGroups: string[]; fromPort: number }[];
      expect(ingress.map((i) => i.securityGroups)).toEqual([[clusterSg]]);
    }
    const eks = ofType(resources, 'aws:eks/cluster:Cluster')[0]!.inputs as {
      vpcConfig: { securityGroupIds?: string[] };
    };
    // No extra control-plane-only group that nodes and pods would not carry.
    expect(eks.vpcConfig.securityGroupIds ?? []).toEqual([]);
  });

  test('every container runs as the numeric user its image was built for', async () => {
    const ownUser = await dockerfileUser();
    expect(ownUser).toBe(LAMBDALAKE_IMAGE_UID);
    const problems: string[] = [];
    for (const { owner, spec } of podSpecs(objects))
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        const nonRoot = c.securityContext?.runAsNonRoot ?? spec.securityContext?.runAsNonRoot;
        const uid = c.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
        // kubelet refuses runAsNonRoot when the image's user is root and no runAsUser is set.
        if (nonRoot && !(typeof uid === 'number' && uid > 0))
          problems.push(`${owner} ${c.name}: runAsNonRoot without a numeric runAsUser`);
        const image = c.image ?? (spec.containers[0]?.image as string | undefined) ?? '';
        const expected =
          image === 'ghcr.io/example/lambdalake:test'
            ? ownUser
            : IMAGE_USERS.find(([re]) => re.test(image))?.[1];
        // The FlinkDeployment's main container takes the image from spec.image.
        const effective = c.name === 'flink-main-container' ? FLINK_IMAGE_UID : expected;
        if (effective === undefined) problems.push(`${owner} ${c.name}: unknown image ${image}`);
        else if (uid !== effective)
          problems.push(`${owner} ${c.name}: runs as ${uid}, its image as ${effective}`);
      }
    expect(problems).toEqual([]);
  });

  test('serving binds all interfaces on the port its Service, probes and clients use', () => {
    const serving = objects.find(
      (o) => o.kind === 'Deployment' && o.metadata.name === 'lambdalake-serving',
    )!;
    const c = podSpecs([serving])[0]!.spec.containers[0]!;
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
    expect(env.LAMBDALAKE_SERVING_BIND).toBe('0.0.0.0');
    expect(env.LAMBDALAKE_HTTP_PORT).toBe(String(SERVING_HTTP_PORT));
    expect(c.ports?.map((p) => p.containerPort)).toEqual([SERVING_HTTP_PORT]);
    expect(c.readinessProbe?.httpGet?.port).toBe(SERVING_HTTP_PORT);
    const service = objects.find(
      (o) => o.kind === 'Service' && o.metadata.name === 'lambdalake-serving',
    )!;
    const spec = service.spec as { ports: { targetPort: number }[] };
    expect(spec.ports.map((p) => p.targetPort)).toEqual([SERVING_HTTP_PORT]);
    // SQL clients go to RDS, not to the serving pods: the env names the RDS URL (a secret).
    const secret = objects.find(
      (o) => o.kind === 'Secret' && o.metadata.name?.startsWith('lambdalake-secrets'),
    )!;
    expect(Object.keys(secret.stringData as object)).toContain('LAMBDALAKE_SERVING_PG_URL');
  });

  test('every Deployment has readiness and liveness probes and CPU and memory requests', () => {
    const problems = podSpecs(objects.filter((o) => o.kind === 'Deployment')).flatMap(
      ({ owner, spec }) =>
        spec.containers.flatMap((c) => [
          ...(c.readinessProbe ? [] : [`${owner} ${c.name}: no readinessProbe`]),
          ...(c.livenessProbe ? [] : [`${owner} ${c.name}: no livenessProbe`]),
          ...(c.resources?.requests?.cpu && c.resources.requests.memory
            ? []
            : [`${owner} ${c.name}: no cpu/memory requests`]),
        ]),
    );
    expect(problems).toEqual([]);
    expect(objects.filter((o) => o.kind === 'Deployment')).toHaveLength(4);
  });

  test('the HPA can scale: a metrics source, requests on its target, room between min and max', () => {
    const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler')!;
    const spec = hpa.spec as {
      scaleTargetRef: { name: string };
      minReplicas: number;
      maxReplicas: number;
    };
    const target = objects.find(
      (o) => o.kind === 'Deployment' && o.metadata.name === spec.scaleTargetRef.name,
    );
    expect(target).toBeDefined();
    expect(podSpecs([target!])[0]!.spec.containers[0]!.resources?.requests?.cpu).toBeTruthy();
    expect(spec.maxReplicas).toBeGreaterThan(spec.minReplicas);
    const addons = ofType(resources, 'aws:eks/addon:Addon').map((a) => a.inputs.addonName);
    expect(addons).toContain('metrics-server');
  });

  test('the Flink operator chart does not create the service account the program creates', () => {
    const release = ofType(resources, 'kubernetes:helm.sh/v3:Release').find((r) =>
      r.name.startsWith('flink-operator'),
    )!;
    const values = release.inputs.values as { jobServiceAccount: { create: boolean } };
    expect(values.jobServiceAccount.create).toBe(false);
    const accounts = objects
      .filter((o) => o.kind === 'ServiceAccount')
      .map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(new Set(accounts).size).toBe(accounts.length);
    expect(accounts).toContain('flink/flink');
  });

  test('Flink checkpoints to the bucket with an interval, authenticates to MSK with IAM', () => {
    const session = objects.find((o) => o.kind === 'FlinkDeployment')!;
    const spec = session.spec as {
      flinkConfiguration: Record<string, string>;
      podTemplate: { spec: PodSpec };
    };
    const conf = spec.flinkConfiguration;
    expect(conf['execution.checkpointing.dir']).toMatch(/^s3:\/\/[^/]+\/flink\/checkpoints$/);
    expect(conf['execution.checkpointing.interval']).toBeTruthy();
    expect(conf['s3.aws.credentials.provider']).toContain('WebIdentityTokenCredentialsProvider');
    const fetch = spec.podTemplate.spec.initContainers![0]!.command!.join(' ');
    for (const jar of [
      'aws-msk-iam-auth',
      'kafka-clients',
      'flink-connector-kafka',
      'hadoop-client-api',
    ])
      expect(fetch).toContain(jar);
    // The shaded SQL connector would hide kafka-clients' classes from the IAM login module.
    expect(fetch).not.toContain('flink-sql-connector-kafka');
    const app = podSpecs(objects).filter(({ owner }) => owner.includes('lambdalake-'));
    for (const { spec: pod } of app) {
      const env = Object.fromEntries((pod.containers[0]!.env ?? []).map((e) => [e.name, e.value]));
      expect(env.LAMBDALAKE_KAFKA_SECURITY).toBe('msk-iam');
      expect(env.AWS_REGION).toBe('eu-central-1');
    }
  });

  test('every name a pod or Service refers to exists in its namespace', () => {
    const exists = (kind: string, ns: string | undefined, name: string | undefined) =>
      objects.some(
        (o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name,
      );
    const problems: string[] = [];
    for (const o of objects) {
      const ns = o.metadata.namespace;
      for (const { owner, spec } of podSpecs([o])) {
        const pod = spec as PodSpec & { serviceAccountName?: string };
        const account =
          pod.serviceAccountName ?? (o.spec as { serviceAccount?: string }).serviceAccount;
        if (account && !exists('ServiceAccount', ns, account))
          problems.push(`${owner}: no ServiceAccount ${ns}/${account}`);
        for (const c of [...(pod.initContainers ?? []), ...pod.containers])
          for (const from of (c as { envFrom?: { secretRef?: { name?: string } }[] }).envFrom ?? [])
            if (from.secretRef && !exists('Secret', ns, from.secretRef.name))
              problems.push(`${owner} ${c.name}: no Secret ${ns}/${from.secretRef.name}`);
      }
      if (o.kind === 'Service') {
        const selector = (o.spec as { selector?: Record<string, string> }).selector ?? {};
        const backed = objects.some(
          (d) =>
            d.kind === 'Deployment' &&
            d.metadata.namespace === ns &&
            Object.entries(selector).every(
              ([k, v]) =>
                (d.spec as { template: { metadata: { labels: Record<string, string> } } }).template
                  .metadata.labels[k] === v,
            ),
        );
        if (!backed) problems.push(`Service ${ns}/${o.metadata.name}: selects no Deployment`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('the internal load balancer is one the installed controllers create', () => {
    const service = objects.find(
      (o) => o.kind === 'Service' && o.metadata.name === 'lambdalake-serving',
    )!;
    const annotations = service.metadata.annotations as Record<string, string>;
    // Without the AWS Load Balancer Controller only cloud-provider-aws acts, and it reads these.
    expect(annotations['service.beta.kubernetes.io/aws-load-balancer-internal']).toBe('true');
    expect(Object.keys(annotations)).not.toContain(
      'service.beta.kubernetes.io/aws-load-balancer-scheme',
    );
    const tags = ofType(resources, 'aws:ec2/tag:Tag').map((t) => t.inputs.key);
    expect(tags).toEqual(Array(3).fill('kubernetes.io/role/internal-elb'));
  });
});
