// Budget (DESIGN §8): an event produced to Kafka is visible in a union-view query over Postgres wire
// within p50 <= 1 s, p99 <= 2 s. Produces BENCH_EVENTS orders (default 1000) at BENCH_RATE per second,
// each its own key, while one client polls the view; latency = first seen − Kafka acknowledgement.
import { benchContext, flinkTime, HOUR, log, percentile, pgClient } from './support.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);
const RATE = Number(process.env.BENCH_RATE ?? 50);

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
      const { rows } = await client.query(
        `SELECT product FROM ${ctx.namespace}.hourly_revenue WHERE hour >= CAST($1 AS TIMESTAMP) AND product LIKE 'f-%'`,
        [flinkTime(hour)],
      );
      const now = performance.now();
      for (const { product } of rows as { product: string }[])
        if (!seenAt.has(product)) seenAt.set(product, now);
      if (!producing && polls > 100_000) break;
    }
    return polls;
  })();
  log(`producing ${EVENTS} events at ${RATE}/s`);
  const started = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const product = `f-${i}`;
    const orderId = `${ctx.namespace}-${i}`;
    await ctx.producer.send({
      topic: ctx.topics.orders,
      messages: [
        {
          key: orderId,
          value: JSON.stringify({
            order_id: orderId,
            user_id: 'bench',
            product,
            amount: '1.00',
            event_time: flinkTime(Math.max(hour, Date.now() - 500)),
          }),
        },
      ],
    });
    acked.set(product, performance.now());
  }
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
        seen: latencies.length,
        polls,
        freshnessMs: {
          p50: percentile(latencies, 50),
          p90: percentile(latencies, 90),
          p99: percentile(latencies, 99),
          max: percentile(latencies, 100),
        },
        budgetMs: { p50: 1000, p99: 2000 },
      },
      null,
      2,
    ),
  );
} finally {
  await client.end();
  await ctx.close();
}
