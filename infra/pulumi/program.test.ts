import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { installMocks, ofType, type Registered, runProgram } from './check/mockRun.ts';

beforeAll(installMocks);

const run = runProgram;

describe('the cloud stack from pipelines/', () => {
  test('the warehouse bucket is private, versioned, KMS-encrypted, TLS-only, and expires old versions', async () => {
    const { resources } = await run();
    const block = ofType(resources, 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock')[0]!
      .inputs;
    expect(block).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(
      ofType(resources, 'aws:s3/bucketVersioningV2:BucketVersioningV2')[0]!.inputs,
    ).toMatchObject({ versioningConfiguration: { status: 'Enabled' } });
    const sse = ofType(
      resources,
      'aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2',
    )[0]!.inputs as { rules: { applyServerSideEncryptionByDefault: { sseAlgorithm: string } }[] };
    expect(sse.rules[0]!.applyServerSideEncryptionByDefault.sseAlgorithm).toBe('aws:kms');
    const lifecycle = ofType(
      resources,
      'aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2',
    )[0]!.inputs as { rules: { noncurrentVersionExpiration?: { noncurrentDays: number } }[] };
    expect(lifecycle.rules.some((r) => r.noncurrentVersionExpiration?.noncurrentDays === 30)).toBe(
      true,
    );
    const policy = JSON.parse(
      ofType(resources, 'aws:s3/bucketPolicy:BucketPolicy')[0]!.inputs.policy as string,
    ) as { Statement: { Effect: string; Principal: unknown; Condition?: unknown }[] };
    // The only statement naming everyone is a Deny: nothing makes the bucket public.
    expect(
      policy.Statement.filter((s) => s.Principal === '*').every((s) => s.Effect === 'Deny'),
    ).toBe(true);
    expect(ofType(resources, 'aws:s3/bucketAclV2:BucketAclV2')).toHaveLength(0);
  });

  test('one topic per source and per metric speed view; speed topics compacted', async () => {
    const { resources, outputs } = await run();
    const topics = ofType(resources, 'kafka:index/topic:Topic').map(
      (r) => r.inputs as { name: string; config: Record<string, string> },
    );
    expect(topics.map((t) => t.name).sort()).toEqual([...outputs.topics].sort());
    expect(topics).toHaveLength(5);
    for (const t of topics)
      expect(t.config['cleanup.policy']).toBe(t.name.includes('.speed.') ? 'compact' : 'delete');
    expect(topics.map((t) => t.name)).toEqual(expect.arrayContaining(['orders', 'page_views']));
  });

  test('IAM grants the warehouse bucket (and its key) only, to the three service accounts only', async () => {
    const { resources } = await run();
    const policies = ofType(resources, 'aws:iam/rolePolicy:RolePolicy').map(
      (r) => JSON.parse(r.inputs.policy as string) as { Statement: { Resource: string[] }[] },
    );
    // The warehouse policy, and MSK IAM access control for the Kafka clients.
    expect(policies).toHaveLength(2);
    const named = policies[0]!.Statement.flatMap((s) => s.Resource);
    for (const arn of named)
      expect(arn).toMatch(
        /^arn:aws:s3:::warehouse-bucket-bkt(\/\*)?$|^arn:aws:mock:::warehouse-key$/,
      );
    // The mock MSK ARN has no cluster/<name>/<uuid> form: scoped resources are built from it.
    for (const arn of policies[1]!.Statement.flatMap((s) => s.Resource))
      expect(arn).toMatch(/^arn:aws:mock:::kafka-msk/);
    const role = ofType(resources, 'aws:iam/role:Role').find(
      (r) => r.name === 'lambdalake-warehouse-role',
    )!;
    const trust = JSON.parse(role.inputs.assumeRolePolicy as string) as {
      Statement: { Condition: { StringEquals: Record<string, string[] | string> } }[];
    };
    expect(trust.Statement[0]!.Condition.StringEquals['oidc.eks.mock/id/ABC:sub']).toEqual([
      'system:serviceaccount:lambdalake:lambdalake',
      'system:serviceaccount:flink:flink',
      'system:serviceaccount:iceberg-catalog:iceberg-catalog',
    ]);
  });

  test('everything is private and secrets only travel through Kubernetes Secrets', async () => {
    const { resources } = await run();
    const eks = ofType(resources, 'aws:eks/cluster:Cluster')[0]!.inputs as {
      vpcConfig: { endpointPublicAccess: boolean };
    };
    expect(eks.vpcConfig.endpointPublicAccess).toBe(false);
    const msk = ofType(resources, 'aws:msk/cluster:Cluster')[0]!.inputs as {
      brokerNodeGroupInfo: { connectivityInfo: { publicAccess: { type: string } } };
      clientAuthentication: { unauthenticated: boolean };
    };
    expect(msk.brokerNodeGroupInfo.connectivityInfo.publicAccess.type).toBe('DISABLED');
    expect(msk.clientAuthentication.unauthenticated).toBe(false);
    expect(ofType(resources, 'aws:rds/instance:Instance')[0]!.inputs).toMatchObject({
      publiclyAccessible: false,
      storageEncrypted: true,
    });
    const serving = ofType(resources, 'kubernetes:core/v1:Service').find(
      (r) => r.name === 'lambdalake-serving',
    )!.inputs as { metadata: { annotations: Record<string, string> } };
    expect(
      serving.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-internal'],
    ).toBe('true');
    // Prometheus scrapes serving's /metrics on its HTTP port.
    const servingPods = ofType(resources, 'kubernetes:apps/v1:Deployment').find(
      (r) => r.name === 'lambdalake-serving',
    )!.inputs as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
    expect(servingPods.spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/path': '/metrics',
    });
    // And the scheduler's /metrics on its own port, which the pod declares and binds.
    const schedulerPods = ofType(resources, 'kubernetes:apps/v1:Deployment').find(
      (r) => r.name === 'lambdalake-scheduler',
    )!.inputs as {
      spec: {
        template: {
          metadata: { annotations: Record<string, string> };
          spec: {
            containers: {
              ports: { containerPort: number }[];
              env: { name: string; value?: string }[];
            }[];
          };
        };
      };
    };
    expect(schedulerPods.spec.template.metadata.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '18091',
      'prometheus.io/path': '/metrics',
    });
    const schedulerContainer = schedulerPods.spec.template.spec.containers[0]!;
    expect(schedulerContainer.ports).toEqual([{ name: 'metrics', containerPort: 18091 }]);
    expect(schedulerContainer.env).toEqual(
      expect.arrayContaining([
        { name: 'LAMBDALAKE_SCHEDULER_METRICS_PORT', value: '18091' },
        { name: 'LAMBDALAKE_SCHEDULER_METRICS_BIND', value: '0.0.0.0' },
      ]),
    );
    const everythingButSecrets = JSON.stringify(
      resources.filter((r) => r.type !== 'kubernetes:core/v1:Secret'),
    );
    expect(everythingButSecrets).not.toContain('token-value-123');
    expect(everythingButSecrets).not.toContain('sql-password-456');
    const secret = ofType(resources, 'kubernetes:core/v1:Secret').find(
      (r) => r.name === 'lambdalake-secrets',
    )!;
    // Pulumi's secret wrapper (its signature key) around the values: encrypted in state, masked in output.
    const stringData = secret.inputs.stringData as Record<string, unknown>;
    expect(stringData['4dabf18193072939515e22adb298388d']).toBe('1b47061264138c4ac30d75fd1eb44270');
    expect(stringData.value).toMatchObject({
      LAMBDALAKE_SERVING_TOKEN: 'token-value-123',
      LAMBDALAKE_SQL_PASSWORD: 'sql-password-456',
      LAMBDALAKE_SERVING_PG_URL: expect.stringMatching(
        /^postgres:\/\/lambdalake_owner:mock-password-serving-password@serving-db\.mock:5432\/lambdalake\?sslmode=require$/,
      ),
    });
    expect(ofType(resources, 'kubernetes:autoscaling/v2:HorizontalPodAutoscaler')).toHaveLength(1);
  });

  test('adding a metric definition adds exactly its topic and its table, nothing else', async () => {
    const before = await run();
    const dir = await mkdtemp(join(tmpdir(), 'lambdalake-pulumi-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const repo = resolve(import.meta.dirname, '..', '..');
    await cp(join(repo, 'pipelines'), join(dir, 'pipelines'), { recursive: true });
    await cp(join(repo, 'sql'), join(dir, 'sql'), { recursive: true });
    await writeFile(
      join(dir, 'pipelines', 'metrics', 'hourly_orders.yaml'),
      'name: hourly_orders\nsource: orders\ngrain: { column: hour, size: 1 hour }\nkeys: []\nmeasures:\n  - { name: orders, type: BIGINT }\nbatch: { schedule: 15m }\nlateness: 10m\nspeed: { state_ttl: 1d }\nowner: test@example.com\ndescription: orders per hour\n',
    );
    await writeFile(
      join(dir, 'sql', 'metrics', 'hourly_orders.sql'),
      'SELECT CAST(FLOOR(event_time TO HOUR) AS TIMESTAMP(3)) AS `hour`, COUNT(*) AS orders\nFROM orders\nGROUP BY FLOOR(event_time TO HOUR)\n',
    );
    const after = await run({ pipelinesDir: dir });
    const names = (r: Registered[]) => r.map((x) => `${x.type}::${x.name}`);
    const added = names(after.resources).filter((n) => !names(before.resources).includes(n));
    const removed = names(before.resources).filter((n) => !names(after.resources).includes(n));
    expect(added.filter((n) => n.startsWith('kafka:index/topic:Topic::'))).toEqual([
      expect.stringMatching(/kafka-topic-lambdalake\.speed\.hourly_orders\.v[0-9a-f]{8}$/),
    ]);
    expect(after.outputs.tables.filter((t) => !before.outputs.tables.includes(t))).toEqual([
      expect.stringMatching(/^lambdalake\.hourly_orders__v[0-9a-f]{8}$/),
    ]);
    // Besides the topic and the table, only the deploy Job is renamed (it re-runs for new definitions).
    const others = added.filter(
      (n) =>
        !n.startsWith('kafka:index/topic:Topic::') && !n.startsWith('lambdalake:iceberg:Table::'),
    );
    expect(others.every((n) => n.startsWith('kubernetes:batch/v1:Job::'))).toBe(true);
    expect(removed.every((n) => n.startsWith('kubernetes:batch/v1:Job::'))).toBe(true);
  });

  test('Strimzi mode declares the same topics as KafkaTopic resources on the cluster', async () => {
    const { resources } = await run({ kafkaMode: 'strimzi' });
    const topics = ofType(resources, 'kubernetes:kafka.strimzi.io/v1:KafkaTopic').map(
      (r) => (r.inputs as { spec: { topicName: string } }).spec.topicName,
    );
    expect(topics).toHaveLength(5);
    expect(ofType(resources, 'aws:msk/cluster:Cluster')).toHaveLength(0);
  });
});
