import { Kafka, logLevel } from 'kafkajs';
import { expect, test } from 'vitest';
import {
  JobManagerClient,
  resumeFromSavepointStatement,
  SqlGatewayClient,
  type Session,
} from '../../src/flink/index.ts';
import { stackEndpoints } from './stack.ts';

/** Latest count per key in an upsert topic, read from the beginning (bounded wait for `expected`). */
async function latestCounts(
  kafka: Kafka,
  topic: string,
  until: (counts: Map<string, number>) => boolean,
): Promise<Map<string, number>> {
  const consumer = kafka.consumer({ groupId: `${topic}-reader-${Date.now()}` });
  const counts = new Map<string, number>();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 60_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        const key = JSON.parse(String(message.key)) as { k: string };
        const value = message.value ? (JSON.parse(String(message.value)) as { n: number }) : null;
        if (value) counts.set(key.k, value.n);
        if (until(counts)) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return counts;
}

test('a streaming running count stopped with a savepoint continues from it when restarted', async () => {
  const stack = stackEndpoints();
  const suffix = Date.now();
  const [input, output] = [`savepoint-in-${suffix}`, `savepoint-out-${suffix}`];
  const kafka = new Kafka({
    clientId: 'savepoint-test',
    brokers: stack.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: input }, { topic: output }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const send = (n: number) =>
    producer.send({
      topic: input,
      messages: Array.from({ length: n }, () => ({ value: JSON.stringify({ k: 'a' }) })),
    });

  const gateway = new SqlGatewayClient({ url: stack.sqlGatewayUrl });
  const jobs = new JobManagerClient(stack.flinkRestUrl);
  // latest-offset on purpose: a restart WITHOUT the savepoint would forget the first 10 records.
  const ddl = `CREATE TEMPORARY TABLE src (k STRING) WITH ('connector'='kafka','topic'='${input}','properties.bootstrap.servers'='${stack.kafkaBrokers[0]}','scan.startup.mode'='latest-offset','format'='json');
CREATE TEMPORARY TABLE counts (k STRING, n BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector'='upsert-kafka','topic'='${output}','properties.bootstrap.servers'='${stack.kafkaBrokers[0]}','key.format'='json','value.format'='json');`;
  const insert = 'INSERT INTO counts SELECT k, COUNT(*) AS n FROM src GROUP BY k';
  const streaming = {
    executionConfig: {
      'execution.runtime-mode': 'streaming',
      'execution.checkpointing.interval': '1s',
    },
  };
  const jobIds: string[] = [];
  try {
    const first = await gateway.withSession(async (session: Session) => {
      await gateway.runScript(session, ddl);
      return gateway.executeStatement(session, insert, streaming);
    });
    jobIds.push(first.jobId!);
    expect(await jobs.waitForState(first.jobId!, ['RUNNING'])).toBe('RUNNING');
    // The source must have picked its (latest) start offsets before we produce.
    await new Promise((r) => setTimeout(r, 3000));
    await send(10);
    expect((await latestCounts(kafka, output, (c) => c.get('a') === 10)).get('a')).toBe(10);

    const savepoint = await jobs.stopWithSavepoint(first.jobId!, {
      targetDirectory: `${stack.checkpointsUri}/test-savepoints`,
    });
    expect(savepoint).toMatch(/^file:.*savepoint-/);
    expect(await jobs.waitForState(first.jobId!, ['FINISHED'])).toBe('FINISHED');

    await send(5); // produced while the job is stopped
    const second = await gateway.withSession(async (session: Session) => {
      await gateway.runScript(session, ddl);
      await gateway.executeStatement(session, resumeFromSavepointStatement(savepoint));
      return gateway.executeStatement(session, insert, streaming);
    });
    jobIds.push(second.jobId!);
    expect(await jobs.waitForState(second.jobId!, ['RUNNING'])).toBe('RUNNING');
    expect((await latestCounts(kafka, output, (c) => c.get('a') === 15)).get('a')).toBe(15);
    const stats = await jobs.checkpoints(second.jobId!);
    expect(stats.completed).toBeGreaterThanOrEqual(0);
  } finally {
    await producer.disconnect();
    for (const id of jobIds) await jobs.cancel(id).catch(() => undefined);
  }
});
