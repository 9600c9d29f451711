// Budget (DESIGN §8): an event produced to Kafka is visible in a union-view query on the serving
// PostgreSQL within p50 <= 100 ms, p99 <= 250 ms at 1,000 events/s. Produces BENCH_EVENTS orders
// (default 10,000) at BENCH_RATE per second (default 1,000), each its own product key, in batches
// every 10 ms; one client polls the view for the products not seen yet; latency = first seen −
// Kafka acknowledgement.
import { benchContext, flinkTime, HOUR, log, percentile, pgClient } from './support.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const TICK_MS = 10;

const ctx = await benchContext('fresh');
const client = await pgClient(ctx.pgConfig);
try {
  const acked = new Map<string, number>();
  const seenAt = new Map<string, number>();
  const hour = Math.floor(Date.now() / HOUR) * HOUR;
  let producing = true;
  const poller = (async () => {
    let polls = 0;
    while ((producing || seenAt.size < acked.size) && polls < 1_000_000) {
      polls++;
      const pending = [...acked.keys()].filter((p) => !seenAt.has(p));
      if (pending.length === 0) {
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      const { rows } = await client.query(
        `SELECT product FROM ${ctx.namespace}.hourly_revenue WHERE hour >= CAST($1 AS TIMESTAMP) AND product = ANY($2)`,
        [flinkTime(hour), pending],
      );
      const now = performance.now();
      for (const { product } of rows as { product: string }[])
        if (!seenAt.has(product)) seenAt.set(product, now);
    }
    return polls;
  })();
  log(`producing ${EVENTS} events at ${RATE}/s`);
  const started = performance.now();
  const perTick = Math.max(1, Math.round((RATE * TICK_MS) / 1000));
  for (let i = 0; i < EVENTS; i += perTick) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const batch = [];
    for (let k = i; k < Math.min(EVENTS, i + perTick); k++) {
      const orderId = `${ctx.namespace}-${k}`;
      batch.push({
        product: `f-${k}`,
        message: {
          key: orderId,
          value: JSON.stringify({
            order_id: orderId,
            user_id: 'bench',
            product: `f-${k}`,
            amount: '1.00',
            event_time: flinkTime(Math.max(hour, Date.now() - 500)),
          }),
        },
      });
    }
    await ctx.producer.send({ topic: ctx.topics.orders, messages: batch.map((b) => b.message) });
    const now = performance.now();
    for (const b of batch) acked.set(b.product, now);
  }
  const achievedRate = Math.round((EVENTS * 1000) / (performance.now() - started));
  const deadline = performance.now() + 30_000;
  while (seenAt.size < acked.size && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  producing = false;
  const polls = await poller;
  const latencies = [...acked.entries()]
    .filter(([p]) => seenAt.has(p))
    .map(([p, t]) => seenAt.get(p)! - t);
  console.log(
    JSON.stringify(
      {
        namespace: ctx.namespace,
        events: EVENTS,
        ratePerS: RATE,
        achievedRatePerS: achievedRate,
        seen: latencies.length,
        polls,
        freshnessMs: {
          p50: percentile(latencies, 50),
          p90: percentile(latencies, 90),
          p99: percentile(latencies, 99),
          max: percentile(latencies, 100),
        },
        budgetMs: { p50: 100, p99: 250 },
      },
      null,
      2,
    ),
  );
} finally {
  await client.end();
  await ctx.close();
}
