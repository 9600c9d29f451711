// Budget (DESIGN §8): control-plane overhead of a batch cycle (wall time minus the Flink job's own
// duration from the JobManager) <= 1 s per metric, including the completeness proof. Runs BENCH_ROUNDS cycles of every example metric.
import { generateEvents } from '../src/demo/events.ts';
import { produceRecords } from '../src/demo/produce.ts';
import { runBatchCycle } from '../src/control-plane/protocol/batchCycle.ts';
import { benchContext, HOUR, log, percentile } from './support.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const ctx = await benchContext('batch');
try {
  const now = Date.now();
  await produceRecords(
    ctx.producer,
    ctx.topics,
    generateEvents({
      seed: 1,
      startMs: now - 6 * HOUR,
      endMs: now,
      pageViews: 3000,
      orders: 2000,
      duplicateRate: 0.02,
    }),
  );
  const cycles = [];
  for (let round = 0; round < ROUNDS; round++)
    for (const metric of ctx.control.compiled.metrics) {
      const outcome = await runBatchCycle(ctx.control.runtimeOf(metric), ctx.control.batchDeps());
      if (outcome.state !== 'done') throw new Error(`${metric.name} ended in ${outcome.state}`);
      cycles.push({
        round,
        metric: metric.name,
        wallMs: outcome.wallMs,
        overheadMs: outcome.overheadMs,
        stepsMs: outcome.stepsMs,
      });
      log(`${metric.name}: ${outcome.wallMs} ms, overhead ${outcome.overheadMs} ms`);
    }
  const steady = cycles.filter((c) => c.round > 0).map((c) => c.overheadMs);
  console.log(
    JSON.stringify(
      {
        namespace: ctx.namespace,
        cycles,
        overheadMs: {
          firstRoundMax: Math.max(...cycles.filter((c) => c.round === 0).map((c) => c.overheadMs)),
          p50: percentile(steady, 50),
          max: Math.max(...steady),
        },
        budgetMs: 1000,
      },
      null,
      2,
    ),
  );
} finally {
  await ctx.close();
}
