import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openControlPlane, type ControlPlane } from '../../src/control-plane/controlPlane.ts';
import { deploy } from '../../src/control-plane/commands/deploy.ts';
import { stackEndpoints } from './stack.ts';
import { cli } from './support/cli.ts';
import { clicksProject } from './support/clicksProject.ts';
import { endpointsFor } from './support/pipelineFixture.ts';

/**
 * Issue 14, repair: an ingestion job compiled the old way (Flink's json format) crash-loops on one
 * malformed record. `status --check` says so with Flink's root cause; `deploy` with the fixed
 * definitions replaces the job, which routes the record to the dead letters and keeps running.
 */
describe('a poisoned source that crash-looped on an older definition recovers after deploy', () => {
  const namespace = `rp${Date.now().toString(36)}`;
  let dir: string;
  let topic: string;
  let control: ControlPlane;
  let legacyJobId: string;

  beforeAll(async () => {
    const project = await clicksProject(namespace);
    dir = project.dir;
    topic = project.topics.clicks;
    control = await openControlPlane(dir, endpointsFor(stackEndpoints(), namespace));
  }, 60_000);

  afterAll(async () => {
    if (control) {
      for (const job of await control.engine.jobs())
        if (job.name.startsWith(`${namespace}-`) && !/CANCELED|FAILED|FINISHED/.test(job.state))
          await control.engine.cancel(job.jobId).catch(() => undefined);
      await control.close();
    }
  });

  const checkStatus = async () => {
    const result = await cli(['status', '--check', '--json', '--dir', dir], {
      LAMBDALAKE_NAMESPACE: namespace,
    });
    const status = JSON.parse(result.stdout) as {
      sources: { source: string; health: { verdict: string; problems: string[] } }[];
    };
    return { code: result.code, clicks: status.sources.find((s) => s.source === 'clicks')! };
  };

  test('an ingestion job on the old json path crash-loops on a malformed record, and status --check says why', async () => {
    await deploy(control);
    const source = control.compiled.sources.find((s) => s.name === 'clicks')!;
    const current = (await control.engine.jobs()).find(
      (j) => j.name === source.ingestionJobName && j.state === 'RUNNING',
    )!;
    await control.engine.cancel(current.jobId);
    // The definition as it was before issue 14: the json format fails the job on a bad record.
    const legacy = [
      `CREATE CATALOG lake WITH ('type' = 'iceberg', 'catalog-type' = 'rest', 'uri' = '${control.endpoints.icebergCatalogUrl}');`,
      `CREATE TEMPORARY TABLE clicks__kafka (click_id STRING, campaign STRING, cost DECIMAL(10,2), event_time TIMESTAMP(3)) WITH ('connector' = 'kafka', 'topic' = '${topic}', 'properties.bootstrap.servers' = '${control.endpoints.kafkaBrokers[0]}', 'format' = 'json', 'properties.group.id' = '${source.ingestionGroupId}', 'scan.startup.mode' = 'group-offsets', 'properties.auto.offset.reset' = 'earliest');`,
      // (Named columns: the master now also has the ledger columns, which the old job never wrote.)
      `INSERT INTO lake.\`${namespace}\`.clicks_master (click_id, campaign, cost, event_time) SELECT * FROM clicks__kafka;`,
    ].join('\n');
    ({ jobId: legacyJobId } = await control.engine.submitScript(legacy, {
      mode: 'streaming',
      jobName: source.ingestionJobName,
      config: { 'execution.checkpointing.interval': '1 s' },
    }));
    const producer = new Kafka({
      clientId: 'it-poison',
      brokers: stackEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        {
          partition: 0,
          value: '{"click_id": "ok1", "cost": "1.00", "event_time": "2026-11-26 10:00:00"}',
        },
        { partition: 0, value: '{"click_id": "poison", "cost": ' },
      ],
    });
    await producer.disconnect();
    const deadline = Date.now() + 90_000;
    while (
      Date.now() < deadline &&
      (await control.engine.jobManager.exceptionHistory(legacyJobId)).length === 0
    )
      await new Promise((r) => setTimeout(r, 1000));
    expect((await control.engine.jobManager.exceptionHistory(legacyJobId)).length).toBeGreaterThan(
      0,
    );

    const { code, clicks } = await checkStatus();
    expect(code).toBe(1);
    expect(clicks.health.verdict).toBe('unhealthy');
    expect(clicks.health.problems[0]).toMatch(
      new RegExp(
        `^ingestion job ${legacyJobId} (is RESTARTING|failed \\d+ time\\(s\\) in the last 10 min): .+ \\(see http`,
      ),
    );
  }, 300_000);

  test('deploy replaces the crash-looping job; the bad record becomes a dead letter and the source is healthy', async () => {
    const result = await deploy(control);
    expect(result.actions.map((a) => a.kind)).toEqual(['replace-job']);
    const source = control.compiled.sources.find((s) => s.name === 'clicks')!;
    const deadline = Date.now() + 90_000;
    let letters = 0;
    while (Date.now() < deadline && letters === 0) {
      const offsets = await control.admin.fetchTopicOffsets(source.deadLetterTopic);
      letters = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
      if (letters === 0) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(letters).toBe(1);
    const jobs = (await control.engine.jobs()).filter((j) => j.name === source.ingestionJobName);
    expect(jobs.find((j) => j.jobId === legacyJobId)?.state).toBe('CANCELED');
    const replacement = jobs.find((j) => j.jobId !== legacyJobId && j.state === 'RUNNING')!;
    expect(await control.engine.jobManager.exceptionHistory(replacement.jobId)).toEqual([]);
    const { code, clicks } = await checkStatus();
    expect(clicks.health).toEqual({ verdict: 'healthy', problems: [] });
    expect(code).toBe(0);
  }, 300_000);
});
