import { Kafka, logLevel } from 'kafkajs';
import { expect, test } from 'vitest';
import { SmokeGatewaySession, waitForJobState } from './support/gatewaySession.ts';
import { stackEndpoints } from './stack.ts';

test('a Flink streaming job reads JSON from Kafka and appends it to an Iceberg table on checkpoints', async () => {
  const stack = stackEndpoints();
  const suffix = Date.now();
  const topic = `smoke-events-${suffix}`;
  const ns = `smoke_stream_${suffix}`;
  const kafka = new Kafka({
    clientId: 'smoke',
    brokers: stack.kafkaBrokers,
    logLevel: logLevel.ERROR,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const events = Array.from({ length: 50 }, (_, i) => ({
    user_id: `u${i % 7}`,
    page: `/p/${i}`,
    ts: `2026-11-01 10:00:${String(i).padStart(2, '0')}`,
  }));
  await producer.send({ topic, messages: events.map((e) => ({ value: JSON.stringify(e) })) });
  await producer.disconnect();

  const session = await SmokeGatewaySession.open(stack.sqlGatewayUrl);
  let jobId: string | undefined;
  try {
    await session.run(
      `CREATE CATALOG lake WITH ('type'='iceberg','catalog-type'='rest','uri'='${stack.icebergCatalogUrl}','warehouse'='${stack.warehouseUri}')`,
    );
    await session.run(`CREATE DATABASE lake.${ns}`);
    await session.run(
      `CREATE TABLE lake.${ns}.page_views (user_id STRING, page STRING, ts TIMESTAMP(3))`,
    );
    await session.run(
      `CREATE TEMPORARY TABLE events_src (user_id STRING, page STRING, ts TIMESTAMP(3)) WITH (
        'connector'='kafka','topic'='${topic}','properties.bootstrap.servers'='${stack.kafkaBrokers.join(',')}',
        'properties.group.id'='${topic}-ingest','scan.startup.mode'='earliest-offset','format'='json')`,
    );
    const insert = await session.run(
      `INSERT INTO lake.${ns}.page_views SELECT user_id, page, ts FROM events_src`,
      {
        'execution.runtime-mode': 'streaming',
        'execution.checkpointing.interval': '2s',
      },
    );
    jobId = insert.jobId;
    expect(jobId).toBeDefined();
    expect(await waitForJobState(stack.flinkRestUrl, jobId!, ['RUNNING'])).toBe('RUNNING');

    // Rows become visible only when a checkpoint commits a snapshot: poll the catalog for it.
    const deadline = Date.now() + 90_000;
    let committed = 0;
    while (Date.now() < deadline && committed < events.length) {
      const table = (await (
        await fetch(`${stack.icebergCatalogUrl}/v1/namespaces/${ns}/tables/page_views`)
      ).json()) as {
        metadata: { snapshots?: { summary: Record<string, string> }[] };
      };
      committed = (table.metadata.snapshots ?? []).reduce(
        (sum, s) => sum + Number(s.summary['added-records'] ?? 0),
        0,
      );
      if (committed < events.length) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(committed).toBe(events.length);

    const read = await session.run(
      `SELECT COUNT(*), COUNT(DISTINCT user_id), MAX(page) FROM lake.${ns}.page_views`,
      {
        'execution.runtime-mode': 'batch',
      },
    );
    expect(read.rows).toEqual([[50, 7, '/p/9']]);
  } finally {
    if (jobId) await fetch(`${stack.flinkRestUrl}/jobs/${jobId}?mode=cancel`, { method: 'PATCH' });
    await session.close();
  }
});
