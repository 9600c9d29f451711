import { parseDuration } from '../definitions/durations.ts';
import { runBatchCycle, type BatchCycleOutcome } from '../orchestrator/batchCycle.ts';
import type { ControlPlane } from './controlPlane.ts';

export interface SchedulerEvent {
  metric: string;
  at: string;
  outcome: BatchCycleOutcome['state'] | 'error';
  message: string;
}

/**
 * `lambdalake run`: each metric's batch cycle on its schedule, one at a time (the batch jobs share
 * one Flink cluster). A failed cycle is logged and retried at the next tick; `signal` stops the loop
 * after the cycle in flight, whose run record makes it resumable anyway.
 */
export async function runScheduler(
  cp: ControlPlane,
  options: {
    signal: AbortSignal;
    log: (event: SchedulerEvent) => void;
    /** Ends after this many cycles (tests); unbounded otherwise. */
    maxCycles?: number;
    tickMs?: number;
  },
): Promise<number> {
  const next = new Map<string, number>();
  for (const metric of cp.compiled.metrics) next.set(metric.name, Date.now());
  let cycles = 0;
  while (!options.signal.aborted && cycles < (options.maxCycles ?? Infinity)) {
    const due = [...next.entries()]
      .filter(([, at]) => at <= Date.now())
      .sort((a, b) => a[1] - b[1])[0];
    if (!due) {
      await sleep(options.tickMs ?? 1000, options.signal);
      continue;
    }
    const [name] = due;
    const definition = cp.project.metrics.get(name)!.definition;
    const everyMs = parseDuration(definition.batch.schedule)!;
    next.set(name, Date.now() + everyMs);
    cycles++;
    const at = new Date().toISOString();
    try {
      const outcome = await runBatchCycle(cp.runtimeOf(cp.metric(name)), cp.batchDeps());
      options.log({
        metric: name,
        at,
        outcome: outcome.state,
        message:
          outcome.state === 'done'
            ? `published cutover ${outcome.publication?.cutover} snapshot ${outcome.publication?.snapshotId || '(empty)'} in ${outcome.wallMs} ms`
            : `ended in ${outcome.state}`,
      });
    } catch (error) {
      // Survives: the last publication keeps serving; the next tick tries again (or resumes the run).
      options.log({
        metric: name,
        at,
        outcome: 'error',
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return cycles;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
