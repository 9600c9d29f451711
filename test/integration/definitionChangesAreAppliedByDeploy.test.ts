import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openControlPlane, type ControlPlane } from '../../src/control-plane/controlPlane.ts';
import { deploy } from '../../src/control-plane/commands/deploy.ts';
import { runBatchCycle } from '../../src/control-plane/protocol/batchCycle.ts';
import { describeAction } from '../../src/control-plane/protocol/deployPlan.ts';
import { ControlPlaneError } from '../../src/control-plane/errors.ts';
import { stackEndpoints } from './stack.ts';
import { endpointsFor, servingPgConfig } from './support/pipelineFixture.ts';

const HOUR = 3_600_000;

/**
 * Issue 15 item 5: definition changes outside the version hash are applied by `deploy`, not
 * answered with "nothing to do". A changed topic restarts ingestion and speed on the new topic (the
 * master keeps what the old one delivered); an added column evolves the master schema (older rows
 * read NULL), restarts ingestion from a savepoint and moves the metric to a new version; a dropped
 * column is refused with what to do. Counts are checked in the served union view after a batch
 * cycle at the protocol's own cutover, over events hours old (below any cutover it picks).
 */
describe('definition changes are applied by deploy', () => {
  const namespace = `dc${Date.now().toString(36)}`;
  const topicA = `${namespace}.clicks`;
  const topicB = `${namespace}.clicks_moved`;
  let dir: string;
  let sourceFile: string;
  let control: ControlPlane;
  let client: pg.Client;
  const opened: ControlPlane[] = [];
  const open = async () => {
    const cp = await openControlPlane(dir, endpointsFor(stackEndpoints(), namespace));
    opened.push(cp);
    return cp;
  };
  let produced = 0;
  const produce = async (topic: string, count: number, extra: Record<string, string> = {}) => {
    const producer = new Kafka({
      clientId: 'it-definition-changes',
      brokers: stackEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    const at = new Date(Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR).toISOString();
    await producer.send({
      topic,
      messages: Array.from({ length: count }, () => ({
        value: JSON.stringify({
          click_id: `c${++produced}`,
          campaign: 'spring',
          cost: '1.50',
          event_time: at,
          ...extra,
        }),
      })),
    });
    await producer.disconnect();
  };
  const servedClicks = async () => {
    const { rows } = await client.query<{ clicks: number | null }>(
      `SELECT CAST(SUM(clicks) AS INTEGER) AS clicks FROM ${namespace}.campaign_clicks`,
    );
    return rows[0]?.clicks ?? 0;
  };
  const batchCycle = async () => {
    const outcome = await runBatchCycle(
      control.runtimeOf(control.metric('campaign_clicks')),
      control.batchDeps(),
    );
    expect(outcome.state).toBe('done');
  };
  const aliveRuns = async (jobName: string) =>
    (await control.engine.jobs()).filter(
      (j) => j.name === jobName && !/CANCELED|FAILED|FINISHED/.test(j.state),
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `lambdalake-${namespace}-`));
    await mkdir(join(dir, 'pipelines', 'sources'), { recursive: true });
    await mkdir(join(dir, 'pipelines', 'metrics'), { recursive: true });
    await mkdir(join(dir, 'sql', 'metrics'), { recursive: true });
    sourceFile = join(dir, 'pipelines', 'sources', 'clicks.yaml');
    await writeFile(
      sourceFile,
      [
        'name: clicks',
        `topic: ${topicA}`,
        'partitions: 1',
        'columns:',
        '  - { name: click_id, type: STRING }',
        '  - { name: campaign, type: STRING }',
        "  - { name: cost, type: 'DECIMAL(10,2)' }",
        '  - { name: event_time, type: TIMESTAMP(3) }',
        'event_time: event_time',
        'dedupe_key: click_id',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'pipelines', 'metrics', 'campaign_clicks.yaml'),
      [
        'name: campaign_clicks',
        'description: Clicks per UTC hour and campaign.',
        'owner: ads@example.com',
        'source: clicks',
        'grain: { column: hour, size: 1 hour }',
        'keys: [campaign]',
        'measures:',
        '  - { name: clicks, type: BIGINT }',
        'batch: { schedule: 15m }',
        'lateness: 10m',
        'speed: { state_ttl: 1d }',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'sql', 'metrics', 'campaign_clicks.sql'),
      'SELECT CAST(FLOOR(event_time TO HOUR) AS TIMESTAMP(3)) AS `hour`, campaign, COUNT(*) AS clicks\nFROM clicks\nGROUP BY FLOOR(event_time TO HOUR), campaign\n',
    );
    control = await open();
    await deploy(control);
    client = new pg.Client(servingPgConfig());
    await client.connect();
  }, 300_000);

  afterAll(async () => {
    await client?.end();
    if (control)
      for (const job of await control.engine.jobs())
        if (job.name.startsWith(`${namespace}-`) && !/CANCELED|FAILED|FINISHED/.test(job.state))
          await control.engine.cancel(job.jobId).catch(() => undefined);
    for (const cp of opened) await cp.close();
  });

  test('a changed topic: deploy restarts ingestion and speed on the new topic, and the master keeps the old topic’s records', async () => {
    await produce(topicA, 20);
    await batchCycle();
    expect(await servedClicks()).toBe(20);

    await writeFile(sourceFile, (await readFile(sourceFile, 'utf8')).replace(topicA, topicB));
    control = await open();
    const source = control.compiled.sources[0]!;
    const metric = control.metric('campaign_clicks');
    const plan = await deploy(control, { dryRun: true });
    expect(plan.actions.map((a) => a.kind)).toEqual(['create-topic', 'restart-job', 'restart-job']);
    expect(plan.actions.map(describeAction).join('\n')).toContain(`topic ${topicA} → ${topicB}`);
    const ingestionBefore = (await aliveRuns(source.ingestionJobName))[0]!;

    await deploy(control);
    const ingestion = await aliveRuns(source.ingestionJobName);
    expect(ingestion).toHaveLength(1);
    expect(ingestion[0]!.jobId).not.toBe(ingestionBefore.jobId);
    expect(await aliveRuns(metric.speedJobName)).toHaveLength(1);
    expect((await deploy(control, { dryRun: true })).actions).toEqual([]);

    await produce(topicB, 15);
    await batchCycle();
    expect(await servedClicks()).toBe(35);
  }, 600_000);

  test('an added column: the master schema evolves (older rows read NULL), ingestion restarts from a savepoint and the metric moves to a new version', async () => {
    const oldVersion = control.metric('campaign_clicks').version;
    await writeFile(
      sourceFile,
      (await readFile(sourceFile, 'utf8')).replace(
        '  - { name: event_time',
        '  - { name: device, type: STRING }\n  - { name: event_time',
      ),
    );
    control = await open();
    const source = control.compiled.sources[0]!;
    const newVersion = control.metric('campaign_clicks').version;
    expect(newVersion).not.toBe(oldVersion);
    const plan = (await deploy(control, { dryRun: true })).actions.map(describeAction);
    expect(plan[plan.length - 1]).toMatch(/^stop job .*: version .* replaced by/);
    expect(plan).toContain(
      `add column(s) device string to the master table ${namespace}.clicks_master of source clicks (older rows read NULL)`,
    );
    expect(plan.find((a) => a.startsWith('restart ingestion job'))).toMatch(
      /columns .* → .*device STRING.*; stop with a savepoint and restore it$/,
    );

    const result = await deploy(control);
    expect(result.batches.map((b) => b.outcome.state)).toEqual(['done']);
    expect(await servedClicks()).toBe(35);
    const { metadata } = await control.catalog.loadTable({
      namespace: [namespace],
      name: 'clicks_master',
    });
    const current = metadata.schemas!.find(
      (s) => s['schema-id'] === metadata['current-schema-id'],
    )!;
    // Existing fields keep their ids (the source's, then the ledger's); the new one comes last.
    expect(current.fields.map((f) => [f.id, f.name])).toEqual([
      [1, 'click_id'],
      [2, 'campaign'],
      [3, 'cost'],
      [4, 'event_time'],
      [5, 'lambdalake_topic'],
      [6, 'lambdalake_partition'],
      [7, 'lambdalake_offset'],
      [8, 'device'],
    ]);

    await produce(topicB, 10, { device: 'mobile' });
    await batchCycle();
    expect(await servedClicks()).toBe(45);
    const counts = await control.engine.gateway.withSession(async (session) => {
      await control.engine.gateway.executeStatement(
        session,
        `CREATE CATALOG lake WITH ('type' = 'iceberg', 'catalog-type' = 'rest', 'uri' = '${control.endpoints.icebergCatalogUrl}')`,
      );
      const { rows } = await control.engine.gateway.executeStatement(
        session,
        `SELECT COUNT(*) AS all_rows, COUNT(device) AS with_device, COUNT(DISTINCT device) AS devices FROM lake.\`${namespace}\`.clicks_master`,
        { executionConfig: { 'execution.runtime-mode': 'batch' } },
      );
      return rows[0]!.fields.map(Number);
    });
    // Older rows read NULL; the new ones carry the value in the new column, not a shifted one.
    expect(counts).toEqual([45, 10, 1]);
    expect(await aliveRuns(source.ingestionJobName)).toHaveLength(1);
    expect((await deploy(control, { dryRun: true })).actions).toEqual([]);
  }, 900_000);

  test('a dropped or retyped column is refused before anything changes, saying what to do', async () => {
    await writeFile(
      sourceFile,
      (await readFile(sourceFile, 'utf8'))
        .replace('  - { name: device, type: STRING }\n', '')
        .replace("type: 'DECIMAL(10,2)'", 'type: DOUBLE'),
    );
    const refused = await deploy(await open()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ControlPlaneError);
    expect((refused as ControlPlaneError).code).toBe('definition-refused');
    expect((refused as Error).message).toMatch(
      /pipelines\/sources\/clicks\.yaml: column 'device' of source clicks is no longer defined, .*Put it back/,
    );
    expect((refused as Error).message).toMatch(
      /column 'cost' of source clicks changed type from decimal\(10, 2\) to double.*Keep its type, or add a new column/,
    );
  }, 120_000);
});
