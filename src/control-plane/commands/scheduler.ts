import { parseDuration } from '../definitions/durations.ts';
import { runBatchCycle, type BatchCycleOutcome } from '../protocol/batchCycle.ts';
import type { ControlPlane } from '../controlPlane.ts';
import { StaleDefinitionsError } from '../protocol/reconcile.ts';
import { maintainTables } from './tableMaintenance.ts';

export interface SchedulerEvent {
  metric: string;
  at: string;
  outcome: BatchCycleOutcome['state'] | 'error' | 'reloaded' | 'maintenance';
  message: string;
}

/**
 * `lambdalake run`: each metric's batch cycle on its schedule, one at a time (the batch jobs share
 * one Flink cluster). A failed cycle is logged and retried at the next tick; `signal` stops the loop
 * after the cycle in flight, whose run record makes it resumable anyway.
 */
export async function runScheduler(
  initial: ControlPlane,
  options: {
    signal: AbortSignal;
    log: (event: SchedulerEvent) => void;
    /** Ends after this many cycles (tests); unbounded otherwise. */
    maxCycles?: number;
    tickMs?: number;
    /**
     * Loads the definitions again (a new control plane) when a deploy changed a served version
     * after this one loaded them; without it the scheduler stops with that error.
     */
    reload?: () => Promise<ControlPlane>;
    /** Compaction and snapshot expiry of every master and batch table this often (default 1 hour; 0: never). */
    maintenanceEveryMs?: number;
    /** Sees each cycle that ended with an outcome (the /metrics histograms). */
    onCycle?: (metric: string, outcome: BatchCycleOutcome) => void;
  },
): Promise<number> {
  const original = initial;
  let cp = initial;
  const next = new Map<string, number>();
  for (const metric of cp.compiled.metrics) next.set(metric.name, Date.now());
  let cycles = 0;
  let reloadedFor: string | null = null;
  const maintenanceEveryMs = options.maintenanceEveryMs ?? 3_600_000;
  let maintenanceAt = Date.now() + maintenanceEveryMs;
  while (!options.signal.aborted && cycles < (options.maxCycles ?? Infinity)) {
    if (maintenanceEveryMs > 0 && Date.now() >= maintenanceAt) {
      maintenanceAt = Date.now() + maintenanceEveryMs;
      await maintain(cp, options.log);
    }
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
      reloadedFor = null;
      options.onCycle?.(name, outcome);
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
      if (error instanceof StaleDefinitionsError) {
        // Stale definitions must never register their version: reload them, or stop.
        // Reloaded and still stale: the definitions on disk are not what was deployed.
        if (!options.reload || reloadedFor === name) throw error;
        const fresh = await options.reload();
        if (cp !== original) await cp.close();
        cp = fresh;
        reloadedFor = name;
        const defined = new Set(cp.compiled.metrics.map((m) => m.name));
        for (const metric of next.keys()) if (!defined.has(metric)) next.delete(metric);
        for (const metric of defined) if (!next.has(metric)) next.set(metric, Date.now());
        if (defined.has(name)) next.set(name, Date.now());
        options.log({ metric: name, at, outcome: 'reloaded', message: error.message });
        continue;
      }
      // Survives: the last publication keeps serving; the next tick tries again (or resumes the run).
      options.log({
        metric: name,
        at,
        outcome: 'error',
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  if (cp !== original) await cp.close();
  return cycles;
}

/** Compaction and snapshot expiry between cycles; a failure is logged and tried again at the next interval. */
async function maintain(cp: ControlPlane, log: (event: SchedulerEvent) => void): Promise<void> {
  const at = new Date().toISOString();
  try {
    const { compaction, expiry, failed } = await maintainTables(cp);
    for (const f of failed)
      log({ metric: '*', at, outcome: 'error', message: `maintenance of ${f.table}: ${f.error}` });
    const expired = expiry.reduce((n, r) => n + r.expired, 0);
    const rewritten = compaction.reduce((n, r) => n + r.rewrittenDataFiles, 0);
    const added = compaction.reduce((n, r) => n + r.addedDataFiles, 0);
    log({
      metric: '*',
      at,
      outcome: 'maintenance',
      message: `compacted ${rewritten} data file(s) into ${added}, expired ${expired} snapshot(s) in ${expiry.length} table(s)`,
    });
  } catch (error) {
    log({
      metric: '*',
      at,
      outcome: 'error',
      message: `maintenance: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    // The listener goes with the tick: one left per idle second hit Node's MaxListeners warning.
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
