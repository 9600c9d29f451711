// Budget (DESIGN §8): a 30-day dashboard query on a union view (100 keys per day) over Postgres
// wire, p50 <= 5 ms, p99 <= 25 ms, within 1.5x of the same SQL straight in DuckDB on the same files;
// latency and QPS with 1, 8 and 32 clients, and with 1 client while events arrive; resident memory of serving with BENCH_SPEED_ROWS speed rows.
import { readFile } from 'node:fs/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import axios from 'axios';
import { Kafka, logLevel } from 'kafkajs';
import { runBatchCycle } from '../src/control-plane/orchestrator/batchCycle.ts';
import { readPublication } from '../src/control-plane/orchestrator/publication.ts';
import { localPath, readSnapshotFiles, SchemeFileIO } from '../src/iceberg/index.ts';
import { resolvePorts, stackStatus } from '../src/stack/index.ts';
import { benchContext, DAY, flinkTime, log, percentile, pgClient } from './support.ts';

const SECONDS_PER_LEVEL = Number(process.env.BENCH_SECONDS ?? 5);
const SPEED_ROWS = Number(process.env.BENCH_SPEED_ROWS ?? 1_000_000);

const ctx = await benchContext('serve');
try {
  // 30 days x 100 countries, a few users each: daily_active_users has 100 keys per day.
  const today = Math.floor(Date.now() / DAY) * DAY;
  const messages = [];
  for (let d = 30; d >= 1; d--)
    for (let c = 0; c < 100; c++)
      for (let u = 0; u < 3; u++) {
        const id = `pv-${d}-${c}-${u}`;
        messages.push({
          key: id,
          value: JSON.stringify({
            event_id: id,
            user_id: `u${c}-${u}`,
            country: `c${String(c).padStart(2, '0')}`,
            page: '/',
            action: 'view',
            event_time: flinkTime(today - d * DAY + u * 3_600_000),
          }),
        });
      }
  log(`producing ${messages.length} page views over 30 days`);
  for (let i = 0; i < messages.length; i += 2000)
    await ctx.producer.send({
      topic: ctx.topics.page_views,
      messages: messages.slice(i, i + 2000),
    });
  const metric = ctx.control.metric('daily_active_users');
  const outcome = await runBatchCycle(ctx.control.runtimeOf(metric), ctx.control.batchDeps(), {
    cutover: new Date(today),
  });
  if (outcome.state !== 'done') throw new Error(`batch ended in ${outcome.state}`);

  const view = `${ctx.namespace}.daily_active_users`;
  const sql = (from: string) =>
    `SELECT day, count(*) AS countries, sum(active_users) AS users, max(active_users) AS top FROM ${from} WHERE day >= TIMESTAMP '${flinkTime(today - 30 * DAY)}' GROUP BY day ORDER BY day`;

  const levels: Record<string, { p50: number; p99: number; qps: number; queries: number }> = {};
  for (const clients of [1, 8, 32]) {
    const pool = await Promise.all(Array.from({ length: clients }, () => pgClient(ctx.pgConfig)));
    for (const c of pool) for (let i = 0; i < 20; i++) await c.query(sql(view)); // warm-up
    const latencies: number[] = [];
    const end = performance.now() + SECONDS_PER_LEVEL * 1000;
    await Promise.all(
      pool.map(async (c) => {
        while (performance.now() < end) {
          const s = performance.now();
          await c.query(sql(view));
          latencies.push(performance.now() - s);
        }
      }),
    );
    await Promise.all(pool.map((c) => c.end()));
    levels[`clients${clients}`] = {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      qps: Math.round(latencies.length / SECONDS_PER_LEVEL),
      queries: latencies.length,
    };
    log(`${clients} client(s): ${JSON.stringify(levels[`clients${clients}`])}`);
  }

  // One client again while page views for today keep arriving (10 a second): every speed row the
  // streaming job writes makes the server prepare its kept statements again.
  {
    const client = await pgClient(ctx.pgConfig);
    for (let i = 0; i < 20; i++) await client.query(sql(view));
    let sent = 0;
    let ingesting = true;
    const ingest = (async () => {
      while (ingesting) {
        const id = `pv-live-${sent++}`;
        await ctx.producer.send({
          topic: ctx.topics.page_views,
          messages: [
            {
              key: id,
              value: JSON.stringify({
                event_id: id,
                user_id: `live-${sent % 50}`,
                country: 'c00',
                page: '/',
                action: 'view',
                event_time: flinkTime(Date.now()),
              }),
            },
          ],
        });
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const latencies: number[] = [];
    const end = performance.now() + SECONDS_PER_LEVEL * 1000;
    while (performance.now() < end) {
      const s = performance.now();
      await client.query(sql(view));
      latencies.push(performance.now() - s);
    }
    ingesting = false;
    await ingest;
    await client.end();
    levels.clients1Ingesting = {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      qps: Math.round(latencies.length / SECONDS_PER_LEVEL),
      queries: latencies.length,
    };
    log(`1 client, 10 events/s arriving: ${JSON.stringify(levels.clients1Ingesting)}`);
  }

  // The same SQL straight in DuckDB over the published snapshot's files.
  const table = (
    await ctx.control.catalog.loadTable({
      namespace: [ctx.namespace],
      name: metric.batchTable.name,
    })
  ).metadata;
  const batchView = (await ctx.control.tables.loadTable(metric.batchTable))!;
  const files = await readSnapshotFiles(table, new SchemeFileIO(), {
    snapshotId: readPublication(batchView.properties, batchView.refs)!.snapshotId,
  });
  const duck = await DuckDBInstance.create(':memory:', { threads: '2' });
  const direct = await duck.connect();
  await direct.run(
    `CREATE TABLE dau AS SELECT * FROM read_parquet([${files.dataFiles.map((f) => `'${localPath(f.path)}'`).join(', ')}])`,
  );
  // Twice: the SQL text each time (what the budget compares with), and one prepared statement
  // reused (what the server does for a repeated statement), so the wire's own cost shows too.
  const timeDirect = async (run: () => Promise<unknown>): Promise<number[]> => {
    for (let i = 0; i < 20; i++) await run();
    const latencies: number[] = [];
    const end = performance.now() + SECONDS_PER_LEVEL * 1000;
    while (performance.now() < end) {
      const s = performance.now();
      await run();
      latencies.push(performance.now() - s);
    }
    return latencies;
  };
  const directLatencies = await timeDirect(() => direct.runAndReadAll(sql('dau')));
  const prepared = await direct.prepare(sql('dau'));
  const preparedLatencies = await timeDirect(() => prepared.runAndReadAll());
  prepared.destroySync();
  direct.closeSync();
  duck.closeSync();

  // Resident memory with SPEED_ROWS rows in one speed view.
  const servingPid = (await stackStatus()).find((s) => s.name === 'serving')?.pid;
  const rss = async () =>
    servingPid
      ? Number(
          /VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${servingPid}/status`, 'utf8'))?.[1] ?? 0,
        ) / 1024
      : null;
  const rssBefore = await rss();
  const topic = `${ctx.namespace}.speed.rss`;
  const kafka = new Kafka({
    clientId: 'bench-rss',
    brokers: ctx.control.endpoints.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
  log(`producing ${SPEED_ROWS} speed rows`);
  const produceStarted = performance.now();
  for (let i = 0; i < SPEED_ROWS; i += 2_000) {
    const batch = [];
    for (let k = i; k < Math.min(SPEED_ROWS, i + 2_000); k++) {
      const hour = new Date(today + (k % 24) * 3_600_000).toISOString().slice(0, 19);
      batch.push({
        key: JSON.stringify({ hour, key: `k${k}` }),
        value: `{"hour":"${hour}","key":"k${k}","value":${k}}`,
      });
    }
    await ctx.producer.send({ topic, messages: batch });
  }
  const produceMs = performance.now() - produceStarted;
  const http = axios.create({
    baseURL: `http://127.0.0.1:${resolvePorts().servingHttp}`,
    headers: { authorization: `Bearer ${ctx.control.endpoints.servingToken}` },
    timeout: 600_000,
  });
  const loadStarted = performance.now();
  const created = await http.post<{ id: string }>('/api/v3/catalog', {
    path: [ctx.namespace, 'speed_rss'],
    union: {
      version: '1',
      grainColumn: 'hour',
      grainSize: '1 hour',
      keyColumns: ['key'],
      columns: [
        { name: 'hour', type: 'TIMESTAMP(3)' },
        { name: 'key', type: 'STRING' },
        { name: 'value', type: 'BIGINT' },
      ],
      batch: {
        table: `${ctx.namespace}.none`,
        snapshotId: null,
        cutover: new Date(today).toISOString(),
      },
      speed: { topic },
    },
  });
  const client = await pgClient(ctx.pgConfig);
  let count = 0;
  while (count < SPEED_ROWS && performance.now() - loadStarted < 900_000) {
    count = Number(
      (await client.query(`SELECT count(*) AS n FROM ${ctx.namespace}.speed_rss`)).rows[0].n,
    );
    if (count < SPEED_ROWS) await new Promise((r) => setTimeout(r, 1000));
  }
  const loadMs = performance.now() - loadStarted;
  await client.end();
  const rssAfter = await rss();
  // A million rows would otherwise be replayed by every serving start on this machine.
  await http.delete(`/api/v3/catalog/${created.data.id}`);
  const cleanup = kafka.admin();
  await cleanup.connect();
  await cleanup.deleteTopics({ topics: [topic] }).finally(() => cleanup.disconnect());

  const p50 = levels.clients1!.p50;
  const directP50 = percentile(directLatencies, 50);
  console.log(
    JSON.stringify(
      {
        namespace: ctx.namespace,
        viewRows: files.dataFiles.reduce((n, f) => n + f.recordCount, 0),
        postgresWire: levels,
        duckdbDirect: {
          p50: directP50,
          p99: percentile(directLatencies, 99),
          qps: Math.round(directLatencies.length / SECONDS_PER_LEVEL),
        },
        duckdbDirectPrepared: {
          p50: percentile(preparedLatencies, 50),
          p99: percentile(preparedLatencies, 99),
        },
        ratioP50: Number((p50 / directP50).toFixed(2)),
        ratioP50VsPrepared: Number((p50 / percentile(preparedLatencies, 50)).toFixed(2)),
        speedRows: {
          rows: count,
          produceS: Number((produceMs / 1000).toFixed(1)),
          consumeS: Number((loadMs / 1000).toFixed(1)),
          servingRssMiB: { before: rssBefore, after: rssAfter },
        },
        budget: { p50: 5, p99: 25, ratio: 1.5 },
      },
      null,
      2,
    ),
  );
} finally {
  await ctx.close();
}
