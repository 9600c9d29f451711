// Budget (DESIGN §8): the validity expression and dead-letter sink cost <= 10% of ingestion
// throughput. Same run, same topic, same Iceberg sink: the ingestion job as compiled now (raw bytes,
// the checked view, a statement set with the dead-letter sink) against the plain JSON path it
// replaced (format 'json', one INSERT). Both read the topic bounded ('scan.bounded.mode' =
// 'latest-offset'), so each job finishes at the log end and its Flink duration is the measure.
// Rounds alternate the two paths so drift on the shared cores hits both alike.
import { Kafka, logLevel } from 'kafkajs';
import { controlPlaneEndpoints, bindingsFor } from '../src/control-plane/controlPlane.ts';
import { compileSource } from '../src/control-plane/compiler/compile.ts';
import { ident, lit, type RuntimeBindings } from '../src/control-plane/compiler/bindings.ts';
import { sourceSchema, type SourceDefinition } from '../src/control-plane/definitions/schema.ts';
import { IcebergCatalogClient } from '../src/iceberg/index.ts';
import { FlinkEngine } from '../src/control-plane/adapters/flinkEngine.ts';
import { silentProgress, stackUp } from '../src/stack/index.ts';
import { flinkTime, log, percentile } from './support.ts';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 300_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

await stackUp(silentProgress);
const namespace = `ing${Date.now().toString(36)}`;
const endpoints = { ...controlPlaneEndpoints(), namespace };
const b = bindingsFor(endpoints);
const source = sourceSchema.parse({
  name: 'orders',
  topic: `${namespace}.orders`,
  partitions: 1,
  columns: [
    { name: 'order_id', type: 'STRING' },
    { name: 'user_id', type: 'STRING' },
    { name: 'product', type: 'STRING' },
    { name: 'amount', type: 'DECIMAL(12,2)' },
    { name: 'event_time', type: 'TIMESTAMP(3)' },
  ],
  event_time: 'event_time',
  // The default accepts SQL and ISO-8601 text; BENCH_TIME_FORMAT=sql measures the SQL form alone.
  event_time_format: process.env.BENCH_TIME_FORMAT ?? 'sql_or_iso8601',
  dedupe_key: 'order_id',
});
const compiled = compileSource(source, b);

/** The ingestion script before issue 14: the json format straight into the master table. */
function plainJsonScript(s: SourceDefinition, bindings: RuntimeBindings, table: string): string {
  return [
    `CREATE CATALOG ${ident(bindings.catalogName)} WITH ('type' = 'iceberg', 'catalog-type' = 'rest', 'uri' = ${lit(bindings.catalogUri)});`,
    `CREATE TEMPORARY TABLE orders__kafka (${s.columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')}) WITH ('connector' = 'kafka', 'topic' = ${lit(s.topic)}, 'properties.bootstrap.servers' = ${lit(bindings.kafkaBootstrap)}, 'format' = 'json', 'properties.group.id' = 'plain', 'scan.startup.mode' = 'earliest-offset');`,
    `INSERT INTO ${ident(bindings.catalogName)}.${ident(bindings.namespace)}.${ident(table)} SELECT ${s.columns.map((c) => ident(c.name)).join(', ')} FROM orders__kafka;`,
  ].join('\n\n');
}

/** Both scripts read the topic from the start to its end, under a consumer group of their own. */
function bounded(script: string, group: string): string {
  return script
    .replace(/'properties\.group\.id' = '[^']*'/, `'properties.group.id' = '${group}'`)
    .replace(
      /'scan\.startup\.mode' = '[^']*'/,
      `'scan.startup.mode' = 'earliest-offset',\n  'scan.bounded.mode' = 'latest-offset'`,
    );
}

const catalog = new IcebergCatalogClient({ url: endpoints.icebergCatalogUrl });
const engine = new FlinkEngine(endpoints.sqlGatewayUrl, endpoints.flinkRestUrl);
const kafka = new Kafka({
  clientId: 'bench-ingestion',
  brokers: endpoints.kafkaBrokers,
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
await admin.connect();
try {
  await catalog.createNamespace([namespace], {});
  for (const name of [compiled.masterTable.name, 'orders_master_plain'])
    await catalog.createTable([namespace], {
      name,
      schema: compiled.masterTable.schema,
      partitionSpec: compiled.masterTable.partitionSpec,
      properties: compiled.masterTable.properties,
    });
  await admin.createTopics({
    topics: [source.topic, compiled.deadLetterTopic].map((topic) => ({ topic, numPartitions: 1 })),
    waitForLeaders: true,
  });
  log(`producing ${RECORDS} orders to ${source.topic}`);
  const producer = kafka.producer();
  await producer.connect();
  const start = Date.now() - 3_600_000;
  for (let i = 0; i < RECORDS; i += 2_000) {
    const messages = [];
    for (let j = i; j < Math.min(RECORDS, i + 2_000); j++)
      messages.push({
        value: JSON.stringify({
          order_id: `o${j}`,
          user_id: `u${j % 5000}`,
          product: ['kettle', 'lamp', 'chair', 'desk'][j % 4],
          amount: ((j % 50000) / 100 + 1).toFixed(2),
          event_time: flinkTime(start + j * 10),
        }),
      });
    await producer.send({ topic: source.topic, messages });
  }
  await producer.disconnect();

  const runs: { path: 'checked' | 'plain'; round: number; jobMs: number; recordsPerS: number }[] =
    [];
  for (let round = 0; round < ROUNDS; round++)
    for (const path of ['plain', 'checked'] as const) {
      const group = `${namespace}-${path}-${round}`;
      const script =
        path === 'checked'
          ? bounded(compiled.ingestionScript, group)
          : bounded(plainJsonScript(source, b, 'orders_master_plain'), group);
      const { jobId } = await engine.submitScript(script, {
        mode: 'streaming',
        jobName: `${namespace}-${path}-${round}`,
        config:
          path === 'checked'
            ? compiled.ingestionConfig
            : { 'execution.checkpointing.interval': '1 s' },
      });
      const finished = await engine.jobManager.waitForState(jobId, ['FINISHED', 'FAILED'], 600_000);
      if (finished !== 'FINISHED') throw new Error(`${path} job ${jobId} ended ${finished}`);
      const job = await engine.job(jobId);
      const jobMs = job!.durationMs;
      runs.push({ path, round, jobMs, recordsPerS: Math.round((RECORDS / jobMs) * 1000) });
      log(`${path} round ${round}: ${jobMs} ms, ${Math.round((RECORDS / jobMs) * 1000)} records/s`);
    }
  const median = (path: string) =>
    percentile(
      runs.filter((r) => r.path === path).map((r) => r.recordsPerS),
      50,
    );
  const plain = median('plain');
  const checked = median('checked');
  console.log(
    JSON.stringify(
      {
        namespace,
        records: RECORDS,
        eventTimeFormat: source.event_time_format,
        runs,
        medianRecordsPerS: { plain, checked },
        checkedOverPlain: Number((checked / plain).toFixed(3)),
        slowdownPercent: Number(((1 - checked / plain) * 100).toFixed(1)),
        budgetSlowdownPercent: 10,
      },
      null,
      2,
    ),
  );
} finally {
  await admin.disconnect();
}
