// Budget (DESIGN §8): a 30-day dashboard query on a union view (100 keys per day) on the serving
// PostgreSQL, p50 <= 5 ms and p99 <= 25 ms at 32 concurrent clients; latency and QPS with 1, 8 and
// 32 clients and with 1 client while events arrive; the same query on the batch table alone (what
// the union costs); loading BENCH_SPEED_ROWS speed rows and a BENCH_BATCH_ROWS-row batch view
// (time, serving memory, table size).
import { readFile } from 'node:fs/promises';
import axios from 'axios';
import { Kafka, logLevel } from 'kafkajs';
import { runBatchCycle } from '../src/control-plane/protocol/batchCycle.ts';
import { SqlGatewayClient } from '../src/flink/index.ts';
import { resolvePorts, stackStatus } from '../src/stack/index.ts';
import { LOCAL_POSTGRES_OWNER } from '../src/stack/services/postgres.ts';
import { benchContext, DAY, flinkTime, log, percentile, pgClient } from './support.ts';

const SECONDS_PER_LEVEL = Number(process.env.BENCH_SECONDS ?? 5);
const SPEED_ROWS = Number(process.env.BENCH_SPEED_ROWS ?? 1_000_000);
const BATCH_ROWS = Number(process.env.BENCH_BATCH_ROWS ?? 1_000_000);

/** Resident memory of a process in MiB (Linux /proc), or null without a pid. */
async function rssMiB(pid: number | null | undefined): Promise<number | null> {
  if (!pid) return null;
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Samples a process's resident memory every 200 ms; `stop()` answers the peak seen. */
function peakRss(pid: number | null | undefined, from: number | null): { stop(): number } {
  let peak = from ?? 0;
  const timer = setInterval(
    () => void rssMiB(pid).then((r) => (peak = Math.max(peak, r ?? 0))),
    200,
  );
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

/** A union view of (hour, key, value) rows: the shape both loading measurements register. */
function keyValueView(
  path: string[],
  batch: { table: string; snapshotId: string | null; cutover: string },
  speedTopic: string,
) {
  return {
    path,
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
      batch,
      speed: { topic: speedTopic },
    },
  };
}

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

  // The same SQL on the batch table alone, as the owner: the union view's own cost.
  const owner = await pgClient({
    ...ctx.pgConfig,
    user: LOCAL_POSTGRES_OWNER.user,
    password: LOCAL_POSTGRES_OWNER.password,
  });
  const served = await owner.query<{ batch_table: string; speed_table: string }>(
    'SELECT batch_table, speed_table FROM __lambdalake.datasets WHERE path = $1',
    [`${ctx.namespace}.daily_active_users`],
  );
  const viewRows = Number(
    (await owner.query(`SELECT count(*) AS n FROM ${view}`)).rows[0].n as string,
  );
  const baseTable = served.rows[0]
    ? `__lambdalake."${served.rows[0].batch_table}"`
    : `(SELECT * FROM ${view}) AS v`;
  const baseLatencies: number[] = [];
  for (let i = 0; i < 20; i++) await owner.query(sql(baseTable));
  {
    const end = performance.now() + SECONDS_PER_LEVEL * 1000;
    while (performance.now() < end) {
      const s = performance.now();
      await owner.query(sql(baseTable));
      baseLatencies.push(performance.now() - s);
    }
  }

  // A BENCH_BATCH_ROWS-row batch view: Flink writes it to Iceberg, then serving loads it (COPY)
  // and switches a union view to it; time, serving memory and table size.
  const gateway = new SqlGatewayClient({ url: ctx.control.endpoints.sqlGatewayUrl });
  const bigTable = 'big_batch';
  log(`writing a ${BATCH_ROWS}-row batch view with Flink`);
  await gateway.withSession(
    async (session) => {
      const run = (statement: string) =>
        gateway.executeStatement(session, statement, { timeoutMs: 600_000 });
      await run(
        `CREATE CATALOG lake WITH ('type' = 'iceberg', 'catalog-type' = 'rest', 'uri' = '${ctx.control.endpoints.icebergCatalogUrl}')`,
      );
      await run(
        `CREATE TABLE lake.\`${ctx.namespace}\`.${bigTable} (\`hour\` TIMESTAMP(3), \`key\` STRING, \`value\` BIGINT)`,
      );
      await run(
        `CREATE TEMPORARY TABLE gen (k BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '${BATCH_ROWS}', 'fields.k.kind' = 'sequence', 'fields.k.start' = '1', 'fields.k.end' = '${BATCH_ROWS}')`,
      );
      await run(
        `INSERT INTO lake.\`${ctx.namespace}\`.${bigTable} SELECT TIMESTAMPADD(HOUR, -CAST(k % 720 AS INT) - 1, TIMESTAMP '${flinkTime(today)}'), CONCAT('k', CAST(k AS STRING)), k FROM gen`,
      );
    },
    { properties: { 'execution.runtime-mode': 'batch', 'table.dml-sync': 'true' } },
  );
  const bigMeta = (
    await ctx.control.catalog.loadTable({ namespace: [ctx.namespace], name: bigTable })
  ).metadata;
  const bigSnapshot = String(bigMeta['current-snapshot-id']);
  // Its own (empty) speed topic: a speed table holds one topic's columns.
  const bigSpeedTopic = `${ctx.namespace}.speed.big_batch_view`;
  {
    const admin = new Kafka({
      clientId: 'bench-batch',
      brokers: ctx.control.endpoints.kafkaBrokers,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: bigSpeedTopic }], waitForLeaders: true });
    await admin.disconnect();
  }
  const servingPid = (await stackStatus()).find((s) => s.name === 'serving')?.pid;
  const control = axios.create({
    baseURL: `http://127.0.0.1:${resolvePorts().servingHttp}`,
    headers: { authorization: `Bearer ${ctx.control.endpoints.servingToken}` },
    timeout: 900_000,
  });
  const batchRssBefore = await rssMiB(servingPid);
  const batchSampler = peakRss(servingPid, batchRssBefore);
  const batchStarted = performance.now();
  const bigView = await control.post<{ id: string }>(
    '/api/v3/catalog',
    keyValueView(
      [ctx.namespace, 'big_batch_view'],
      {
        table: `${ctx.namespace}.${bigTable}`,
        snapshotId: bigSnapshot,
        cutover: new Date(today).toISOString(),
      },
      bigSpeedTopic,
    ),
  );
  const batchLoadMs = performance.now() - batchStarted;
  const batchRssPeak = batchSampler.stop();
  const loadedRows = Number(
    (await owner.query(`SELECT count(*) AS n FROM ${ctx.namespace}.big_batch_view`)).rows[0]
      .n as string,
  );
  const bigSize = (
    await owner.query<{ size: string }>(
      `SELECT pg_size_pretty(pg_total_relation_size(format('__lambdalake.%I', batch_table)::regclass)) AS size FROM __lambdalake.datasets WHERE path = $1`,
      [`${ctx.namespace}.big_batch_view`],
    )
  ).rows[0]?.size;
  await control.delete(`/api/v3/catalog/${bigView.data.id}`);
  await ctx.control.catalog.dropTable(
    { namespace: [ctx.namespace], name: bigTable },
    { purge: true },
  );

  // Resident memory with SPEED_ROWS rows in one speed view.
  const rssBefore = await rssMiB(servingPid);
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
  const loadStarted = performance.now();
  const created = await control.post<{ id: string }>(
    '/api/v3/catalog',
    keyValueView(
      [ctx.namespace, 'speed_rss'],
      { table: `${ctx.namespace}.none`, snapshotId: null, cutover: new Date(today).toISOString() },
      topic,
    ),
  );
  const speedSampler = peakRss(servingPid, rssBefore);
  const client = await pgClient(ctx.pgConfig);
  let count = 0;
  while (count < SPEED_ROWS && performance.now() - loadStarted < 900_000) {
    count = Number(
      (await client.query(`SELECT count(*) AS n FROM ${ctx.namespace}.speed_rss`)).rows[0].n,
    );
    if (count < SPEED_ROWS) await new Promise((r) => setTimeout(r, 1000));
  }
  const loadMs = performance.now() - loadStarted;
  const speedRssPeak = speedSampler.stop();
  await client.end();
  const rssAfter = await rssMiB(servingPid);
  const speedSize = (
    await owner.query<{ size: string }>(
      `SELECT pg_size_pretty(pg_total_relation_size(format('__lambdalake.%I', speed_table)::regclass)) AS size FROM __lambdalake.datasets WHERE path = $1`,
      [`${ctx.namespace}.speed_rss`],
    )
  ).rows[0]?.size;
  // A million rows would otherwise stay in the development stack's store.
  await control.delete(`/api/v3/catalog/${created.data.id}`);
  await owner.end();
  const cleanup = kafka.admin();
  await cleanup.connect();
  await cleanup.deleteTopics({ topics: [topic] }).finally(() => cleanup.disconnect());

  const p50 = levels.clients1!.p50;
  const baseP50 = percentile(baseLatencies, 50);
  console.log(
    JSON.stringify(
      {
        namespace: ctx.namespace,
        viewRows,
        postgres: levels,
        batchTableOnly: {
          p50: baseP50,
          p99: percentile(baseLatencies, 99),
          qps: Math.round(baseLatencies.length / SECONDS_PER_LEVEL),
        },
        ratioP50UnionVsBatchTable: Number((p50 / baseP50).toFixed(2)),
        batchView: {
          rows: loadedRows,
          loadAndSwitchS: Number((batchLoadMs / 1000).toFixed(1)),
          servingRssMiB: { before: batchRssBefore, peak: batchRssPeak },
          tableSize: bigSize,
        },
        speedRows: {
          rows: count,
          produceS: Number((produceMs / 1000).toFixed(1)),
          consumeS: Number((loadMs / 1000).toFixed(1)),
          servingRssMiB: { before: rssBefore, peak: speedRssPeak, after: rssAfter },
          tableSize: speedSize,
        },
        budget: { clients32: { p50: 5, p99: 25 } },
      },
      null,
      2,
    ),
  );
} finally {
  await ctx.close();
}
