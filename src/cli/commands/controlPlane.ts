import { Command } from 'commander';
import Table from 'cli-table3';
import { openControlPlane, type ControlPlane } from '../../control-plane/controlPlane.ts';
import { deploy } from '../../control-plane/commands/deploy.ts';
import { isGrainAligned } from '../../control-plane/definitions/grain.ts';
import { deploymentStatus, metricVersions } from '../../control-plane/commands/status.ts';
import type { Health } from '../../control-plane/protocol/health.ts';
import { runScheduler } from '../../control-plane/commands/scheduler.ts';
import {
  schedulerMetrics,
  serveSchedulerMetrics,
} from '../../control-plane/commands/schedulerMetrics.ts';
import { resolvePorts } from '../../settings/ports.ts';
import { maintainTables } from '../../control-plane/commands/tableMaintenance.ts';
import { parseDuration } from '../../control-plane/definitions/durations.ts';
import { runBatchCycle, type BatchCycleHooks } from '../../control-plane/protocol/batchCycle.ts';
import type {
  BatchCycleState,
  DriftSummary,
} from '../../control-plane/protocol/batchCycleStates.ts';
import { describeAction } from '../../control-plane/protocol/deployPlan.ts';

const say = (message: string) => process.stderr.write(`${message}\n`);

/**
 * Crash-safety test hooks, injected from here so no core code exits the process:
 * LAMBDALAKE_CRASH_AFTER_ACTION=<n> stops `deploy` after its n-th action and
 * LAMBDALAKE_CRASH_AFTER=<state> stops `batch` right after that state is persisted, as a kill would.
 */
function killedAfterAction(): ((done: number) => void) | undefined {
  const at = process.env.LAMBDALAKE_CRASH_AFTER_ACTION;
  return at === undefined ? undefined : (done) => void (done === Number(at) && process.exit(137));
}

function killedAfterState(): BatchCycleHooks | undefined {
  const at = process.env.LAMBDALAKE_CRASH_AFTER as BatchCycleState | undefined;
  return at === undefined
    ? undefined
    : { afterPersist: (state) => void (state === at && process.exit(137)) };
}

async function withControlPlane<T>(
  dir: string,
  work: (cp: ControlPlane) => Promise<T>,
): Promise<T> {
  const cp = await openControlPlane(dir);
  try {
    return await work(cp);
  } finally {
    await cp.close();
  }
}

function healthText(health: Health): string {
  return health.verdict === 'healthy' ? 'healthy' : `UNHEALTHY: ${health.problems.join('; ')}`;
}

function table(head: string[]): Table.Table {
  return new Table({ head, style: process.stdout.isTTY ? {} : { head: [], border: [] } });
}

/** `lambdalake deploy [--dry-run] [--json]`. */
export function deployCommand(): Command {
  return new Command('deploy')
    .description(
      'create topics and tables, start ingestion and speed jobs, run first batches, switch versions (idempotent)',
    )
    .option('--dir <folder>', 'project folder', '.')
    .option('--dry-run', 'print the actions without doing them')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { dir: string; dryRun?: boolean; json?: boolean }) =>
      withControlPlane(opts.dir, async (cp) => {
        const result = await deploy(cp, {
          say: opts.json ? undefined : say,
          dryRun: opts.dryRun,
          afterAction: killedAfterAction(),
          batchHooks: killedAfterState(),
        });
        if (opts.json) {
          process.stdout.write(
            JSON.stringify(
              {
                actions: result.actions.map(describeAction),
                batches: result.batches.map((b) => ({
                  metric: b.metric,
                  state: b.outcome.state,
                  publication: b.outcome.publication,
                  wallMs: b.outcome.wallMs,
                })),
                wallMs: result.wallMs,
              },
              null,
              2,
            ) + '\n',
          );
        } else if (opts.dryRun) {
          for (const action of result.actions) process.stdout.write(`${describeAction(action)}\n`);
        } else {
          process.stdout.write(
            `deployed: ${result.actions.length} action(s) in ${(result.wallMs / 1000).toFixed(1)} s\n`,
          );
        }
      }),
    );
}

/** `lambdalake batch [metric…] [--cutover <time>]`: one batch cycle per metric. */
export function batchCommand(): Command {
  return new Command('batch')
    .description(
      'run one batch cycle (cutover, batch job, validate, publish, register) for each metric',
    )
    .argument('[metrics...]', 'metrics (default: all)')
    .option('--dir <folder>', 'project folder', '.')
    .option(
      '--cutover <time>',
      "backfill: this cutover (ISO-8601, aligned to the grain) instead of the protocol's",
    )
    .option('--json', 'print outcomes as JSON')
    .action(async (only: string[], opts: { dir: string; cutover?: string; json?: boolean }) =>
      withControlPlane(opts.dir, async (cp) => {
        const metrics = only.length > 0 ? only.map((m) => cp.metric(m)) : cp.compiled.metrics;
        const cutover = opts.cutover ? parseCutover(opts.cutover) : undefined;
        const outcomes = [];
        for (const metric of metrics) {
          if (!opts.json) say(`== ${metric.name} v${metric.version}`);
          if (cutover && !isGrainAligned(cutover.getTime(), metric.grain))
            throw new Error(
              `--cutover ${opts.cutover} is not aligned to ${metric.name}'s grain of ${metric.grainSize}`,
            );
          const outcome = await runBatchCycle(
            cp.runtimeOf(metric),
            {
              ...cp.batchDeps(opts.json ? undefined : (m) => say(`  ${m}`)),
              hooks: killedAfterState(),
            },
            {
              cutover,
              allowEarlierCutover: cutover !== undefined,
            },
          );
          outcomes.push({ metric: metric.name, version: metric.version, ...outcome });
          if (outcome.state !== 'done') process.exitCode = 1;
        }
        if (opts.json) {
          process.stdout.write(JSON.stringify(outcomes, null, 2) + '\n');
          return;
        }
        const t = table([
          'metric',
          'version',
          'outcome',
          'cutover',
          'snapshot',
          'rows',
          'wall s',
          'overhead s',
        ]);
        for (const o of outcomes)
          t.push([
            o.metric,
            o.version,
            o.state,
            o.publication?.cutover ?? '-',
            o.publication?.snapshotId || '(empty)',
            o.record.rowCount ?? '-',
            (o.wallMs / 1000).toFixed(1),
            (o.overheadMs / 1000).toFixed(1),
          ]);
        process.stdout.write(t.toString() + '\n');
      }),
    );
}

function parseCutover(text: string): Date {
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
  if (Number.isNaN(ms))
    throw new Error(`--cutover '${text}' is not a time: use ISO-8601, e.g. 2026-11-24T10:00:00Z`);
  return new Date(ms);
}

/** `lambdalake status [--json]`. */
export function statusCommand(): Command {
  return new Command('status')
    .description(
      'sources (ingestion job, lag) and metrics (versions, publication, last run, speed job)',
    )
    .option('--dir <folder>', 'project folder', '.')
    .option('--json', 'print JSON')
    .option('--check', 'exit with code 1 when any source or metric is unhealthy (a probe)')
    .action(async (opts: { dir: string; json?: boolean; check?: boolean }) =>
      withControlPlane(opts.dir, async (cp) => {
        const status = await deploymentStatus(cp);
        if (opts.check && !status.healthy) process.exitCode = 1;
        if (opts.json) {
          process.stdout.write(JSON.stringify(status, null, 2) + '\n');
          return;
        }
        const sources = table([
          'source',
          'topic',
          'ingestion job',
          'state',
          'lag',
          'master snapshot',
          'snapshots / files',
          'dead letters',
          'health',
        ]);
        for (const s of status.sources)
          sources.push([
            s.source,
            s.topic,
            s.ingestionJob?.jobId ?? '-',
            s.ingestionJob?.state ?? 'not running',
            s.lag ?? '-',
            s.masterSnapshotId ?? '-',
            s.masterTable ? `${s.masterTable.snapshots} / ${s.masterTable.dataFiles ?? '-'}` : '-',
            s.deadLetters.newest
              ? `${s.deadLetters.count} in ${s.deadLetterTopic}, newest: ${s.deadLetters.newest.reason}`
              : String(s.deadLetters.count),
            healthText(s.health),
          ]);
        const metrics = table([
          'metric',
          'version',
          'served',
          'cutover',
          'age',
          'snapshot',
          'snapshots / files',
          'last run',
          'speed job',
          'speed lag',
          'health',
        ]);
        for (const m of status.metrics)
          metrics.push([
            m.metric,
            m.version,
            m.servedVersion ?? '-',
            m.publication?.cutover ?? '-',
            m.publicationAgeS === null ? '-' : `${m.publicationAgeS} s`,
            m.publication ? m.publication.snapshotId || '(empty)' : '-',
            m.batchTable ? `${m.batchTable.snapshots} / ${m.batchTable.dataFiles ?? '-'}` : '-',
            m.lastRun
              ? `${m.lastRun.state} in ${(m.lastRun.durationMs / 1000).toFixed(1)} s${m.lastRun.error ? `: ${m.lastRun.error.slice(0, 60)}` : ''}`
              : '-',
            m.speedJob?.state ?? 'not running',
            m.switchPending
              ? `${m.speedLag ?? '?'} (switch to ${m.switchPending.to} waits for 0)`
              : (m.speedLag ?? '-'),
            healthText(m.health),
          ]);
        process.stdout.write(
          `namespace ${status.namespace}: ${status.healthy ? 'healthy' : 'UNHEALTHY'}\n${sources.toString()}\n${metrics.toString()}\n`,
        );
      }),
    );
}

/** `lambdalake maintain [--retain <duration>] [--no-compact] [--json]`: compaction, then snapshot expiry. */
export function maintainCommand(): Command {
  return new Command('maintain')
    .description(
      'compact small data files of master and batch view tables, then expire old snapshots and delete the files only they read (a Flink job per table; never a snapshot a publication or a running batch reads)',
    )
    .option('--dir <folder>', 'project folder', '.')
    .option('--retain <duration>', 'keep snapshots younger than this (e.g. 1 hour)', '1 hour')
    .option('--no-compact', 'expire snapshots only')
    .option('--json', 'print JSON')
    .action(async (opts: { dir: string; retain: string; compact: boolean; json?: boolean }) =>
      withControlPlane(opts.dir, async (cp) => {
        const retainMs = parseDuration(opts.retain);
        if (retainMs === null)
          throw new Error(
            `--retain '${opts.retain}' is not a duration: e.g. '30 minutes', '1 hour'`,
          );
        const report = await maintainTables(cp, {
          retainMs,
          compaction: opts.compact ? {} : false,
          say: opts.json ? undefined : say,
        });
        // A table whose maintenance failed is named (and the others were still maintained); the
        // exit status tells a cron job or script that something needs a look.
        if (report.failed.length > 0) process.exitCode = 1;
        if (opts.json) {
          process.stdout.write(JSON.stringify(report, null, 2) + '\n');
          return;
        }
        const t = table([
          'table',
          'data files before',
          'after',
          'rewritten',
          'into',
          'expired',
          'kept',
          'took',
        ]);
        report.compaction.forEach((r, i) => {
          const expiry = report.expiry[i]!;
          t.push([
            r.table,
            r.dataFilesBefore ?? '-',
            r.dataFilesAfter ?? '-',
            r.skipped ? `- (${r.skipped})` : r.rewrittenDataFiles,
            r.skipped ? '-' : r.addedDataFiles,
            expiry.expired,
            expiry.kept,
            r.jobId ? `${(r.durationMs / 1000).toFixed(1)} s` : '-',
          ]);
        });
        process.stdout.write(t.toString() + '\n');
        for (const f of report.failed) say(`${f.table}: maintenance failed: ${f.error}`);
      }),
    );
}

/** `lambdalake versions <metric> [--json]`. */
export function versionsCommand(): Command {
  return new Command('versions')
    .description('every version of a metric with a batch view table, and which one is served')
    .argument('<metric>')
    .option('--dir <folder>', 'project folder', '.')
    .option('--json', 'print JSON')
    .action(async (metric: string, opts: { dir: string; json?: boolean }) =>
      withControlPlane(opts.dir, async (cp) => {
        const versions = await metricVersions(cp, metric);
        if (opts.json) {
          process.stdout.write(JSON.stringify(versions, null, 2) + '\n');
          return;
        }
        const t = table([
          'version',
          'table',
          'served',
          'definitions',
          'cutover',
          'published at',
          'drift at that publish',
        ]);
        for (const v of versions)
          t.push([
            v.version,
            v.table,
            v.served ? 'yes' : '',
            v.current ? 'current' : '',
            v.publication?.cutover ?? '-',
            v.publication?.publishedAt ?? '-',
            v.drift ? driftText(v.drift) : '-',
          ]);
        process.stdout.write(t.toString() + '\n');
      }),
    );
}

/** A drift summary in a table cell: windows compared, one-sided, then per measure. */
function driftText(drift: DriftSummary): string {
  const oneSide = drift.windowsOnlySpeed + drift.windowsOnlyBatch;
  const head = `${drift.windowsCompared} window(s) from ${drift.previousCutover}${oneSide > 0 ? `, ${drift.windowsOnlySpeed} speed-only, ${drift.windowsOnlyBatch} batch-only` : ''}`;
  const measures = drift.measures.map((m) =>
    m.windowsDiffering === 0
      ? `${m.measure}: none differ`
      : `${m.measure}: ${m.windowsDiffering} differ, max ${m.maxAbsDiff ?? '?'}${m.maxRelDiff === null ? '' : ` (${(m.maxRelDiff * 100).toPrecision(3)}%)`}`,
  );
  return [head, ...measures].join('\n');
}

/** `lambdalake run`: the scheduler, until SIGTERM or SIGINT. */
export function runCommand(): Command {
  return new Command('run')
    .description("run every metric's batch cycles on its schedule until SIGTERM")
    .option('--dir <folder>', 'project folder', '.')
    .option('--max-cycles <n>', 'stop after n cycles', (v) => Number(v))
    .option(
      '--metrics-port <port>',
      'Prometheus /metrics port (LAMBDALAKE_SCHEDULER_METRICS_PORT; default 18091 + LAMBDALAKE_PORT_OFFSET; 0: any free port)',
      (v) => Number(v),
    )
    .action(async (opts: { dir: string; maxCycles?: number; metricsPort?: number }) =>
      withControlPlane(opts.dir, async (cp) => {
        let current = cp;
        const metrics = schedulerMetrics();
        const endpoint = await serveSchedulerMetrics(metrics, () => deploymentStatus(current), {
          port: opts.metricsPort ?? resolvePorts().schedulerMetrics,
          // In a pod, 0.0.0.0 so Prometheus can scrape; locally loopback only.
          bind: process.env.LAMBDALAKE_SCHEDULER_METRICS_BIND ?? '127.0.0.1',
          onStatusError: (error) =>
            say(
              `/metrics: status failed: ${error instanceof Error ? error.message : String(error)}`,
            ),
        });
        say(`scheduler: Prometheus metrics on http://127.0.0.1:${endpoint.port}/metrics`);
        const stop = new AbortController();
        const onSignal = (signal: string) => {
          say(`${signal}: stopping after the cycle in flight`);
          stop.abort();
        };
        process.once('SIGTERM', () => onSignal('SIGTERM'));
        process.once('SIGINT', () => onSignal('SIGINT'));
        say(
          `scheduler: ${cp.compiled.metrics.map((m) => `${m.name} every ${cp.project.metrics.get(m.name)!.definition.batch.schedule}`).join(', ')}`,
        );
        const cycles = await runScheduler(cp, {
          signal: stop.signal,
          maxCycles: opts.maxCycles,
          log: (e) => process.stdout.write(JSON.stringify(e) + '\n'),
          onCycle: (metric, outcome) => metrics.observeCycle(metric, outcome),
          // A deploy while this runs changes served versions: compile the definitions again.
          reload: async () => (current = await openControlPlane(opts.dir)),
        });
        await endpoint.close();
        say(`scheduler stopped after ${cycles} cycle(s)`);
      }),
    );
}
