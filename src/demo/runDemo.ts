import { resolve } from 'node:path';
import Table from 'cli-table3';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { openControlPlane, controlPlaneEndpoints } from '../control-plane/controlPlane.ts';
import { deploy } from '../control-plane/commands/deploy.ts';
import { runBatchCycle } from '../control-plane/protocol/batchCycle.ts';
import { servingSchema } from '../control-plane/compiler/names.ts';
import { stackUp, stderrProgress, resolvePorts } from '../stack/index.ts';
import { generateEvents } from './events.ts';
import { produceRecords } from './produce.ts';

const HOUR = 3_600_000;

export interface DemoFigures {
  events: number;
  produceMs: number;
  /** From the acknowledgement of a marker order to the union view showing it. */
  freshnessMs: number | null;
  batch: { metric: string; state: string; cutover: string | null; wallMs: number }[];
}

const say = (m: string) => process.stderr.write(`${m}\n`);

/**
 * `npm start`: the whole Lambda flow on the local stack. Stack up, deploy the example pipelines,
 * stream generated events (with duplicates and late ones), show the union views, run a batch cycle,
 * show them again, and leave everything running with the psql line to connect.
 */
export async function runDemo(
  options: { dir?: string; seed?: number; events?: number } = {},
): Promise<DemoFigures> {
  await stackUp(stderrProgress());
  const endpoints = controlPlaneEndpoints();
  const cp = await openControlPlane(resolve(options.dir ?? '.'), endpoints);
  const ports = resolvePorts();
  const client = new pg.Client({
    host: '127.0.0.1',
    port: ports.servingPostgres,
    user: process.env.LAMBDALAKE_SQL_USER ?? 'lambdalake',
    password: process.env.LAMBDALAKE_SQL_PASSWORD ?? 'lambdalake',
    database: 'lambdalake',
  });
  try {
    say('\n== deploy');
    await deploy(cp, { say: (m) => say(`  ${m}`) });

    say('\n== stream events');
    const now = Date.now();
    const total = options.events ?? 3000;
    const records = generateEvents({
      seed: options.seed ?? now % 100_000,
      startMs: now - 4 * HOUR,
      endMs: now - 1000,
      pageViews: Math.round(total * 0.7),
      orders: Math.round(total * 0.3),
      duplicateRate: 0.03,
      lateRate: 0.02,
      latenessMs: 10 * 60_000,
      shuffleWindow: 50,
    });
    const topics = Object.fromEntries(cp.compiled.sources.map((s) => [s.name, s.topic])) as {
      page_views: string;
      orders: string;
    };
    const kafka = new Kafka({
      clientId: 'lambdalake-demo',
      brokers: endpoints.kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    const produceStarted = Date.now();
    await produceRecords(producer, topics, records);
    const produceMs = Date.now() - produceStarted;
    say(
      `  produced ${records.length} events (${records.filter((r) => r.duplicate).length} duplicates, ${records.filter((r) => r.late).length} late) in ${produceMs} ms`,
    );

    await client.connect();
    const freshnessMs = await measureFreshness(
      producer,
      topics.orders,
      client,
      servingSchema(endpoints.namespace),
    );
    await producer.disconnect();
    say(
      freshnessMs === null
        ? '  freshness: the marker order did not show within 30 s'
        : `  freshness: a new order was in the union view ${freshnessMs} ms after Kafka acknowledged it`,
    );

    await show(
      client,
      servingSchema(endpoints.namespace),
      'before the batch cycle (speed rows from the deploy-time cutover on)',
    );

    say('\n== batch cycle');
    const batch: DemoFigures['batch'] = [];
    for (const metric of cp.compiled.metrics) {
      say(`  ${metric.name} v${metric.version}`);
      const outcome = await runBatchCycle(
        cp.runtimeOf(metric),
        cp.batchDeps((m) => say(`    ${m}`)),
      );
      batch.push({
        metric: metric.name,
        state: outcome.state,
        cutover: outcome.publication?.cutover ?? null,
        wallMs: outcome.wallMs,
      });
    }
    await show(
      client,
      servingSchema(endpoints.namespace),
      'after the batch cycle (exact, deduplicated batch rows below each new cutover)',
    );

    say(
      `\nThe stack keeps running. Connect with:\n  PGPASSWORD=lambdalake psql "postgres://lambdalake@127.0.0.1:${ports.servingPostgres}/lambdalake?sslmode=disable" -c 'SELECT * FROM ${servingSchema(endpoints.namespace)}.hourly_revenue ORDER BY hour DESC LIMIT 10'\nStop it with: npx lambdalake stack down`,
    );
    return { events: records.length, produceMs, freshnessMs, batch };
  } finally {
    await client.end().catch(() => undefined);
    await cp.close();
  }
}

/** Produces one order with a unique amount and polls the union view until its hour shows it. */
async function measureFreshness(
  producer: import('kafkajs').Producer,
  topic: string,
  client: pg.Client,
  schema: string,
): Promise<number | null> {
  const eventTime = new Date(Date.now() - 1000);
  const hour = new Date(Math.floor(eventTime.getTime() / HOUR) * HOUR)
    .toISOString()
    .replace('T', ' ')
    .replace('Z', '');
  const totalNow = async () => {
    const { rows } = await client.query(
      `SELECT CAST(coalesce(sum(orders), 0) AS BIGINT) AS n FROM ${schema}.hourly_revenue WHERE hour = CAST($1 AS TIMESTAMP) AND product = 'freshness-probe'`,
      [hour],
    );
    return Number((rows[0] as { n: string }).n);
  };
  const before = await totalNow();
  const orderId = `probe-${Date.now()}`;
  await producer.send({
    topic,
    messages: [
      {
        key: orderId,
        value: JSON.stringify({
          order_id: orderId,
          user_id: 'demo',
          product: 'freshness-probe',
          amount: '1.00',
          event_time: eventTime.toISOString().replace('T', ' ').replace('Z', ''),
        }),
      },
    ],
  });
  const acked = Date.now();
  while (Date.now() - acked < 30_000) {
    if ((await totalNow()) > before) return Date.now() - acked;
    await new Promise((r) => setTimeout(r, 20));
  }
  return null;
}

async function show(client: pg.Client, schema: string, title: string): Promise<void> {
  say(`\n== union views ${title}`);
  const queries: [string, string][] = [
    [
      'hourly_revenue (latest 8 rows)',
      `SELECT to_char(hour, 'YYYY-MM-DD HH24:MI') AS hour, product, CAST(revenue AS VARCHAR) AS revenue, orders FROM ${schema}.hourly_revenue ORDER BY hour DESC, product LIMIT 8`,
    ],
    [
      'checkout_funnel',
      `SELECT to_char(hour, 'YYYY-MM-DD HH24:MI') AS hour, product_views, cart_views, purchases FROM ${schema}.checkout_funnel ORDER BY hour DESC LIMIT 6`,
    ],
    [
      'daily_active_users',
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, country, active_users FROM ${schema}.daily_active_users ORDER BY day DESC, country`,
    ],
  ];
  for (const [name, sql] of queries) {
    const result = await client.query(sql);
    const table = new Table({
      head: result.fields.map((f) => f.name),
      style: process.stderr.isTTY ? {} : { head: [], border: [] },
    });
    for (const row of result.rows as Record<string, unknown>[])
      table.push(result.fields.map((f) => String(row[f.name] ?? 'NULL')));
    // Progress and tables go to stderr, like every other line of the demo: stdout is for --json.
    say(`${name}\n${table.toString()}`);
  }
}
