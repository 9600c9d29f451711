// Budgets (DESIGN §8) on the local stack, one JSON object on stdout:
// - freshness: an order produced to Kafka until a Postgres-wire query on the union view shows it;
// - serving: a 30-day dashboard query on a union view over Postgres wire, against the same query run
//   directly in DuckDB on the same Parquet files;
// - batch cycle: control-plane overhead (wall time minus the Flink job's own duration) per metric.
// Deploys into its own namespace (BENCH_NAMESPACE, default a fresh one) and leaves the stack running.
import { resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import {
  openControlPlane,
  controlPlaneEndpoints,
} from '../src/control-plane/runtime/controlPlane.ts';
import { deploy } from '../src/control-plane/runtime/deploy.ts';
import { runBatchCycle } from '../src/control-plane/orchestrator/batchCycle.ts';
import { readPublication } from '../src/control-plane/orchestrator/publication.ts';
import { generateEvents } from '../src/demo/events.ts';
import { isolatedProject } from '../src/demo/isolatedProject.ts';
import { produceRecords } from '../src/demo/produce.ts';
import { localPath, readSnapshotFiles, SchemeFileIO } from '../src/iceberg/index.ts';
import { resolvePorts, silentProgress, stackUp } from '../src/stack/index.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FRESHNESS_SAMPLES = Number(process.env.BENCH_FRESHNESS_SAMPLES ?? 40);
const QUERY_SAMPLES = Number(process.env.BENCH_QUERY_SAMPLES ?? 300);
const BATCH_ROUNDS = Number(process.env.BENCH_BATCH_ROUNDS ?? 2);
const log = (m: string) => process.stderr.write(`${m}\n`);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Number(
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!.toFixed(2),
  );
}

await stackUp(silentProgress);
const namespace = process.env.BENCH_NAMESPACE ?? `bench${Date.now().toString(36)}`;
const { dir, topics } = await isolatedProject(resolve('.'), namespace);
const cp = await openControlPlane(dir, { ...controlPlaneEndpoints(), namespace });
const ports = resolvePorts();
const client = new pg.Client({
  host: '127.0.0.1',
  port: ports.servingPostgres,
  user: 'lambdalake',
  password: 'lambdalake',
  database: 'lambdalake',
});
const kafka = new Kafka({
  clientId: 'lambdalake-bench',
  brokers: cp.endpoints.kafkaBrokers,
  logLevel: logLevel.NOTHING,
});
const producer = kafka.producer();
try {
  log(`deploying into ${namespace}`);
  await deploy(cp);
  await producer.connect();
  await client.connect();

  // 30 days of history: what the dashboard query reads from the batch side.
  const now = Date.now();
  const records = generateEvents({
    seed: 42,
    startMs: now - 30 * DAY,
    endMs: now - 1000,
    pageViews: 20_000,
    orders: 30_000,
    duplicateRate: 0.02,
    shuffleWindow: 50,
  });
  log(`producing ${records.length} events`);
  await produceRecords(producer, topics, records, { batchSize: 2000 });

  log('batch cycles');
  const batch: { metric: string; wallMs: number; jobMs: number; overheadMs: number }[] = [];
  for (let round = 0; round < BATCH_ROUNDS; round++) {
    for (const metric of cp.compiled.metrics) {
      const outcome = await runBatchCycle(cp.runtimeOf(metric), cp.batchDeps());
      if (outcome.state !== 'done')
        throw new Error(`batch of ${metric.name} ended in ${outcome.state}`);
      batch.push({
        metric: metric.name,
        wallMs: outcome.wallMs,
        jobMs: outcome.wallMs - outcome.overheadMs,
        overheadMs: outcome.overheadMs,
      });
    }
  }

  log('freshness');
  const hourOf = (ms: number) =>
    new Date(Math.floor(ms / HOUR) * HOUR).toISOString().replace('T', ' ').replace('Z', '');
  const freshness: number[] = [];
  for (let i = 0; i < FRESHNESS_SAMPLES; i++) {
    const product = `probe-${i}`;
    const eventTime = Date.now();
    const orderId = `${namespace}-probe-${i}`;
    await producer.send({
      topic: topics.orders,
      messages: [
        {
          key: orderId,
          value: JSON.stringify({
            order_id: orderId,
            user_id: 'bench',
            product,
            amount: '1.00',
            event_time: new Date(eventTime).toISOString().replace('T', ' ').replace('Z', ''),
          }),
        },
      ],
    });
    const sent = performance.now();
    for (let poll = 0; poll < 1000; poll++) {
      const { rows } = await client.query(
        `SELECT count(*) AS n FROM ${namespace}.hourly_revenue WHERE hour = CAST($1 AS TIMESTAMP) AND product = $2`,
        [hourOf(eventTime), product],
      );
      if (Number((rows[0] as { n: string }).n) > 0) {
        freshness.push(performance.now() - sent);
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  log('serving');
  const dashboard = (view: string) =>
    `SELECT date_trunc('day', hour) AS day, sum(revenue) AS revenue, sum(orders) AS orders FROM ${view} WHERE hour >= TIMESTAMP '${new Date(now - 30 * DAY).toISOString().slice(0, 19).replace('T', ' ')}' GROUP BY 1 ORDER BY 1`;
  const viaPg: number[] = [];
  for (let i = 0; i < QUERY_SAMPLES; i++) {
    const started = performance.now();
    await client.query(dashboard(`${namespace}.hourly_revenue`));
    viaPg.push(performance.now() - started);
  }
  // The same query directly in DuckDB on the published snapshot's files (no union, no wire).
  const revenue = cp.metric('hourly_revenue');
  const table = (
    await cp.catalog.loadTable({ namespace: [namespace], name: revenue.batchTable.name })
  ).metadata;
  const view = await cp.tables.loadTable(revenue.batchTable);
  const published = readPublication(view!.properties, view!.refs)!;
  const files = await readSnapshotFiles(table, new SchemeFileIO(), {
    snapshotId: published.snapshotId,
  });
  const duck = await DuckDBInstance.create(':memory:');
  const direct = await duck.connect();
  await direct.run(
    `CREATE TABLE hourly_revenue AS SELECT * FROM read_parquet([${files.dataFiles.map((f) => `'${localPath(f.path)}'`).join(', ')}])`,
  );
  const viaDuck: number[] = [];
  for (let i = 0; i < QUERY_SAMPLES; i++) {
    const started = performance.now();
    await direct.runAndReadAll(dashboard('hourly_revenue'));
    viaDuck.push(performance.now() - started);
  }
  direct.closeSync();
  duck.closeSync();

  const overhead = batch.map((b) => b.overheadMs);
  console.log(
    JSON.stringify(
      {
        namespace,
        events: records.length,
        freshnessMs: {
          samples: freshness.length,
          p50: percentile(freshness, 50),
          p99: percentile(freshness, 99),
          budgetP50: 1000,
          budgetP99: 2000,
        },
        dashboardQueryMs: {
          samples: QUERY_SAMPLES,
          batchRows: files.dataFiles.reduce((n, f) => n + f.recordCount, 0),
          postgresWire: { p50: percentile(viaPg, 50), p99: percentile(viaPg, 99) },
          duckdbDirect: { p50: percentile(viaDuck, 50), p99: percentile(viaDuck, 99) },
          ratioP50: Number((percentile(viaPg, 50) / percentile(viaDuck, 50)).toFixed(2)),
          budget: { p50: 5, p99: 25, ratio: 1.5 },
        },
        batchCycle: {
          cycles: batch,
          overheadMs: { p50: percentile(overhead, 50), max: Math.max(...overhead), budget: 2000 },
        },
      },
      null,
      2,
    ),
  );
} finally {
  await producer.disconnect().catch(() => undefined);
  await client.end().catch(() => undefined);
  for (const job of await cp.engine.jobs())
    if (job.name.startsWith(`${namespace}-`) && job.state === 'RUNNING')
      await cp.engine.cancel(job.jobId);
  await cp.close();
}
