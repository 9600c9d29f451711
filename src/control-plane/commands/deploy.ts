import { ControlPlaneError } from '../errors.ts';
import { SERVED_PREFIX, servingDifference } from '../protocol/reconcile.ts';
import { awaitSpeedCaughtUp } from '../protocol/speedCatchUp.ts';
import type { DesiredTopic } from '../protocol/topics.ts';
import {
  describeAction,
  planDeployment,
  refusedDefinitionChanges,
  tableKey,
  type DeployAction,
  type DesiredDeployment,
  type ObservedDeployment,
} from '../protocol/deployPlan.ts';
import {
  runBatchCycle,
  unionViewOf,
  type BatchCycleHooks,
  type BatchCycleOutcome,
} from '../protocol/batchCycle.ts';
import { chooseCutover, SPEED_READS_FROM_PROPERTY } from '../protocol/cutover.ts';
import {
  atSpeedGeneration,
  SPEED_GENERATION_PROPERTY,
  SPEED_RUNNING_GENERATION_PROPERTY,
  speedGenerations,
} from '../protocol/speedGeneration.ts';
import {
  JOB_DEFINITION_PROPERTY,
  parseJobDefinition,
  type JobDefinition,
  type MasterSchema,
} from '../protocol/definitionChanges.ts';
import { desiredJobDefinitions, desiredMasters } from './jobDefinitions.ts';
import { readPublication } from '../protocol/publication.ts';
import type { TableSpec } from '../compiler/compile.ts';
import { names, servingSchema } from '../compiler/names.ts';
import type { ControlPlane } from '../controlPlane.ts';
import { jobProblems } from '../protocol/health.ts';
import type { JobView } from '../protocol/ports.ts';
import {
  DERIVED_PREFIX,
  planDerived,
  type DesiredDerived,
  type ObservedDerived,
} from '../protocol/derivedPlan.ts';

export { SERVED_PREFIX } from '../protocol/reconcile.ts';

export function desiredDeployment(cp: ControlPlane): DesiredDeployment {
  const definitions = desiredJobDefinitions(cp.project, cp.endpoints.namespace);
  const topics: DesiredTopic[] = [
    ...cp.compiled.sources.map((s) => ({
      name: s.topic,
      partitions: s.partitions,
      // A dimension's topic keeps the newest row per key (its records are keyed by the key).
      compacted: s.kind === 'dimension',
    })),
    // Dead letters are rare: one partition keeps them in the order they were seen.
    ...cp.compiled.sources.map((s) => ({
      name: s.deadLetterTopic,
      partitions: 1,
      compacted: false,
    })),
    ...cp.compiled.metrics.map((m) => ({
      name: m.speedTopic,
      partitions: cp.sourceOf(m).partitions,
      compacted: true,
    })),
  ];
  return {
    namespace: cp.endpoints.namespace,
    topics,
    tables: [
      ...cp.compiled.sources.map((s) => ({ table: s.masterTable, owner: `source ${s.name}` })),
      ...cp.compiled.metrics.map((m) => ({
        table: m.batchTable,
        owner: `metric ${m.name} v${m.version}`,
      })),
    ],
    jobs: [
      ...cp.compiled.sources.map((s) => ({
        name: s.ingestionJobName,
        kind: 'ingestion' as const,
        owner: s.name,
        definition: definitions.get(s.ingestionJobName)!,
      })),
      ...cp.compiled.metrics.map((m) => ({
        name: m.speedJobName,
        kind: 'speed' as const,
        owner: m.name,
        definition: definitions.get(m.speedJobName)!,
      })),
    ],
    masters: desiredMasters(cp.project, cp.endpoints.namespace),
    metrics: cp.compiled.metrics.map((m) => ({
      metric: m.name,
      version: m.version,
      speedJobName: m.speedJobName,
    })),
  };
}

/** What exists now: namespace, topics, tables, Flink jobs by name, and the served versions. */
export async function observeDeployment(cp: ControlPlane): Promise<ObservedDeployment> {
  const target = cp.deployment;
  const namespaceExists = await target.namespaceExists();
  const [topics, tables, jobs] = await Promise.all([
    target.topics(),
    target.tableNames(),
    cp.engine.jobs(),
  ]);
  const properties = await target.namespaceProperties();
  const servedVersions = Object.fromEntries(
    Object.entries(properties)
      .filter(([k]) => k.startsWith(SERVED_PREFIX))
      .map(([k, v]) => [k.slice(SERVED_PREFIX.length), v]),
  );
  const crashLooping = await crashLoopingJobs(cp, jobs);
  const publishedVersions = new Set<string>();
  const servingDiffers = new Map<string, string>();
  const masterSchemas = new Map<string, MasterSchema>();
  const jobDefinitions = new Map<string, JobDefinition>();
  const serving = cp.batchDeps().serving;
  for (const source of cp.compiled.sources) {
    if (!tables.includes(source.masterTable.name)) continue;
    const master = await target.master(source.masterTable.name);
    masterSchemas.set(source.name, master.schema);
    const recorded = parseJobDefinition(master.properties[JOB_DEFINITION_PROPERTY]);
    if (recorded) jobDefinitions.set(source.ingestionJobName, recorded);
  }
  for (const metric of cp.compiled.metrics) {
    if (!tables.includes(metric.batchTable.name)) continue;
    const table = await cp.tables.loadTable(metric.batchTable);
    const recorded = parseJobDefinition(table?.properties[JOB_DEFINITION_PROPERTY]);
    if (recorded) jobDefinitions.set(metric.speedJobName, recorded);
    const publication = table ? readPublication(table.properties, table.refs) : null;
    if (publication) publishedVersions.add(`${metric.name}@${metric.version}`);
    // Reconcile: serving must show the served version's publication (reconcile.ts).
    if (servedVersions[metric.name] !== metric.version) continue;
    const runtime = atSpeedGeneration(
      cp.runtimeOf(metric),
      speedGenerations(table?.properties ?? {}).running,
    );
    const path = unionViewOf(runtime, { cutover: '' }).path;
    const differs = servingDifference(
      await serving.servedView(path),
      metric.version,
      publication,
      runtime.speedTopic,
    );
    if (differs) servingDiffers.set(metric.name, differs);
  }
  return {
    namespaceExists,
    publishedVersions,
    topics: new Set(topics),
    tables: new Set(tables.map((name) => `${target.namespace}.${name}`)),
    jobs,
    servedVersions,
    crashLooping,
    servingDiffers,
    masterSchemas,
    jobDefinitions,
  };
}

/** The derived views the definitions want served, with the exact SQL serving must hold. */
export function desiredDerived(cp: ControlPlane): DesiredDerived[] {
  return cp.compiled.derived.map((d) => ({
    name: d.name,
    version: d.version,
    path: d.path,
    sql: d.viewSql,
  }));
}

/** What serving holds for each derived view, and which ones the namespace records as served. */
export async function observeDerived(cp: ControlPlane): Promise<ObservedDerived> {
  const properties = await cp.deployment.namespaceProperties();
  const recorded = Object.fromEntries(
    Object.entries(properties)
      .filter(([k]) => k.startsWith(DERIVED_PREFIX))
      .map(([k, v]) => [k.slice(DERIVED_PREFIX.length), v]),
  );
  const servedSql = new Map<string, string | null>();
  for (const d of cp.compiled.derived)
    servedSql.set(d.name, await cp.derivedViews.servedSql(d.path));
  return { servedSql, recorded };
}

/** Alive jobs of this deployment that are restarting or failed recently, with the root cause. */
async function crashLoopingJobs(
  cp: ControlPlane,
  jobs: readonly JobView[],
): Promise<Map<string, string>> {
  const wanted = new Set([
    ...cp.compiled.sources.map((s) => s.ingestionJobName),
    ...cp.compiled.metrics.map((m) => m.speedJobName),
  ]);
  const out = new Map<string, string>();
  const now = Date.now();
  for (const job of jobs) {
    if (!wanted.has(job.name) || !LOOPING_CANDIDATES.has(job.state)) continue;
    const failures = await cp.engine.failures(job.jobId).catch(() => []);
    const problems = jobProblems('job', { ...job, failures, detailsUrl: '' }, now);
    if (problems.length > 0) out.set(job.jobId, failures[0]?.rootCause ?? job.state);
  }
  return out;
}

const LOOPING_CANDIDATES = new Set(['RUNNING', 'RESTARTING', 'FAILING', 'CREATED', 'INITIALIZING']);

export interface DeployResult {
  actions: DeployAction[];
  batches: { metric: string; outcome: BatchCycleOutcome }[];
  wallMs: number;
}

/**
 * `lambdalake deploy`: observe, plan, execute. Every action is idempotent and the plan is made from
 * what exists, so a second deploy with nothing changed does nothing and a killed one finishes.
 */
export async function deploy(
  cp: ControlPlane,
  options: {
    say?: (message: string) => void;
    dryRun?: boolean;
    now?: () => Date;
    /** Called after each executed action with how many are done (crash-safety tests stop here). */
    afterAction?: (done: number) => void | Promise<void>;
    /** Hooks of the first batches' cycles (crash-safety tests stop inside a first batch). */
    batchHooks?: BatchCycleHooks;
  } = {},
): Promise<DeployResult> {
  const started = Date.now();
  const say = options.say ?? (() => undefined);
  const now = options.now ?? (() => new Date());
  const desired = desiredDeployment(cp);
  const observed = await observeDeployment(cp);
  const refused = refusedDefinitionChanges(desired, observed);
  if (refused.length > 0)
    throw new ControlPlaneError(
      'definition-refused',
      `deploy refused ${refused.length} definition change(s); nothing was changed:\n${refused.map((r) => `  ${r}`).join('\n')}`,
      false,
    );
  const actions: DeployAction[] = [
    ...planDeployment(desired, observed),
    // Last: a derived view reads the union views the actions above switch.
    ...planDerived(desiredDerived(cp), await observeDerived(cp)),
  ];
  if (actions.length === 0) say('nothing to do: everything is deployed and running');
  const batches: DeployResult['batches'] = [];
  if (options.dryRun) return { actions, batches, wallMs: Date.now() - started };
  let done = 0;
  for (const action of actions) {
    say(describeAction(action));
    const outcome = await execute(cp, action, say, now, options.batchHooks);
    if (outcome) batches.push(outcome);
    await options.afterAction?.(++done);
  }
  return { actions, batches, wallMs: Date.now() - started };
}

async function execute(
  cp: ControlPlane,
  action: DeployAction,
  say: (message: string) => void,
  now: () => Date,
  batchHooks: BatchCycleHooks | undefined,
): Promise<{ metric: string; outcome: BatchCycleOutcome } | null> {
  switch (action.kind) {
    case 'create-namespace':
      await cp.deployment.createNamespace();
      return null;
    case 'create-topic':
      await cp.deployment.ensureTopics([action.topic]);
      return null;
    case 'create-table':
      await cp.deployment.createTable(tableSpecOf(cp, tableKey(action.table.table)));
      return null;
    case 'evolve-master-schema':
      await cp.deployment.evolveMaster(action.table.name, action.added);
      return null;
    case 'start-job':
      await startJob(cp, action.job.name, action.restoreFromJobId, say, now, {
        planMayDiffer: action.changed !== undefined,
      });
      return null;
    case 'restart-job': {
      // Stop-with-savepoint, not cancel: the ingestion job commits to Iceberg and Kafka what it
      // read up to the savepoint, so nothing is re-read or lost across the restart.
      const savepoint = await cp.engine.jobManager.stopWithSavepoint(action.jobId);
      await cp.engine.jobManager.waitForState(action.jobId, ['FINISHED', 'CANCELED', 'FAILED']);
      say(`  ${action.job.name} stopped with savepoint ${savepoint}`);
      await startJob(cp, action.job.name, null, say, now, {
        planMayDiffer: true,
        ...(action.restart.fromSavepoint ? { restorePath: savepoint } : {}),
      });
      return null;
    }
    case 'replace-job':
      await cp.engine.cancel(action.jobId);
      await cp.engine.jobManager.waitForState(action.jobId, ['CANCELED', 'FAILED', 'FINISHED']);
      await startJob(cp, action.job.name, action.jobId, say, now, { planMayDiffer: true });
      return null;
    case 'first-batch': {
      const metric = cp.metric(action.metric);
      // Its register step is the blue/green switch: the one registration of a not-yet-served version.
      const outcome = await runBatchCycle(
        cp.runtimeOf(metric),
        { ...cp.batchDeps((m) => say(`  ${m}`)), hooks: batchHooks },
        { switchingVersion: true },
      );
      if (outcome.state !== 'done')
        throw new ControlPlaneError(
          'batch-failed',
          `the first batch of ${action.metric} v${action.version} ended in '${outcome.state}'; run deploy again`,
          true,
        );
      return { metric: action.metric, outcome };
    }
    case 'switch-version':
      // The first batch registered the new version's union view, unless a deploy was killed between
      // its publish and its register: serving then still shows the old version, so register first.
      await registerPublished(cp, action.metric, say);
      await cp.deployment.setNamespaceProperties({
        [`${SERVED_PREFIX}${action.metric}`]: action.to,
      });
      await retireOldVersions(cp, action.metric, action.to, say);
      return null;
    case 'stop-job':
      await cp.engine.cancel(action.jobId);
      return null;
    case 'repair-serving':
      await registerPublished(cp, action.metric, say);
      return null;
    case 'unserve-metric':
      // The view goes first: a deploy killed in between finds the metric still recorded and retries.
      await cp
        .batchDeps()
        .serving.removeView([servingSchema(cp.endpoints.namespace), action.metric]);
      await cp.deployment.removeNamespaceProperties([`${SERVED_PREFIX}${action.metric}`]);
      return null;
    case 'register-derived': {
      const derived = cp.compiled.derived.find((d) => d.name === action.name)!;
      await cp.derivedViews.registerSqlView(derived.path, derived.viewSql);
      await cp.deployment.setNamespaceProperties({
        [`${DERIVED_PREFIX}${action.name}`]: action.version,
      });
      return null;
    }
    case 'unserve-derived':
      await cp.derivedViews.removeView([servingSchema(cp.endpoints.namespace), action.name]);
      await cp.deployment.removeNamespaceProperties([`${DERIVED_PREFIX}${action.name}`]);
      return null;
  }
}

/**
 * Makes serving show the current definitions' publication of `metric`, read with the running speed
 * job's generation (speedGeneration.ts), unless it already does.
 */
async function registerPublished(
  cp: ControlPlane,
  metricName: string,
  say: (message: string) => void,
): Promise<void> {
  const compiled = cp.runtimeOf(cp.metric(metricName));
  const table = await cp.tables.loadTable(compiled.batchTable);
  const generations = speedGenerations(table?.properties ?? {});
  const runtime = atSpeedGeneration(compiled, generations.running);
  const publication = table ? readPublication(table.properties, table.refs) : null;
  if (!publication)
    throw new ControlPlaneError(
      'not-deployed',
      `${metricName} version ${runtime.version} has no publication to serve: run deploy again`,
      true,
    );
  const serving = cp.batchDeps().serving;
  const view = unionViewOf(runtime, publication);
  const shown = await serving.servedView(view.path);
  const differs = servingDifference(shown, runtime.version, publication, runtime.speedTopic);
  if (!differs) return;
  // Switching serving to another version, or to a speed generation that started without state:
  // only once its speed job has caught up; until then serving keeps what it shows.
  if (shown?.version !== runtime.version || shown.speed.topic !== runtime.speedTopic)
    await awaitSpeedCaughtUp(runtime, cp.batchDeps().log, { say: (m) => say(`  ${m}`) });
  // Recorded before the registration: a batch cycle in between registers this generation too.
  if (generations.served !== generations.running)
    await cp.tables.setProperties(runtime.batchTable, {
      [SPEED_GENERATION_PROPERTY]: String(generations.running),
    });
  say(`  serving: ${differs}; registering it`);
  await serving.registerUnionView(view);
}

function tableSpecOf(cp: ControlPlane, key: string): TableSpec {
  const specs = [
    ...cp.compiled.sources.map((s) => s.masterTable),
    ...cp.compiled.metrics.map((m) => m.batchTable),
  ];
  return specs.find((s) => tableKey(s) === key)!;
}

/**
 * Starts an ingestion or speed job by name. A job that ran before resumes from its newest retained
 * checkpoint; a speed job that never ran starts reading Kafka at (cutover − lateness), where the
 * cutover is the published one or the earliest one a first batch could pick from now.
 */
async function startJob(
  cp: ControlPlane,
  name: string,
  restoreFromJobId: string | null,
  say: (message: string) => void,
  now: () => Date,
  options: { planMayDiffer?: boolean; restorePath?: string } = {},
): Promise<void> {
  // A job replaced after a definition fix may have a different plan: state of operators that no
  // longer exist is dropped instead of refusing the restore. The Kafka source then falls back to
  // the consumer group's offsets, committed with the same checkpoints as the master table.
  const recovery: Record<string, string> = options.planMayDiffer
    ? { 'execution.state-recovery.ignore-unclaimed-state': 'true' }
    : {};
  const restoreFrom =
    options.restorePath ??
    (restoreFromJobId ? await cp.engine.latestRetainedState(restoreFromJobId) : null);
  if (restoreFromJobId)
    say(
      restoreFrom
        ? `  restoring from ${restoreFrom}`
        : `  no retained checkpoint of ${restoreFromJobId}: starting fresh`,
    );
  const source = cp.compiled.sources.find((s) => s.ingestionJobName === name);
  if (source) {
    const { jobId } = await cp.engine.submitScript(source.ingestionScript, {
      mode: 'streaming',
      jobName: name,
      config: { ...source.ingestionConfig, ...recovery },
      restoreFrom: restoreFrom ?? undefined,
    });
    await recordJobDefinition(cp, source.masterTable, name);
    say(`  ${name} is job ${jobId}`);
    return;
  }
  const metric = cp.compiled.metrics.find((m) => m.speedJobName === name);
  if (!metric) throw new ControlPlaneError('bad-input', `no definition owns job ${name}`, false);
  const table = await cp.tables.loadTable(metric.batchTable);
  const published = table ? readPublication(table.properties, table.refs) : null;
  const cutoverMs = published
    ? Date.parse(published.cutover)
    : chooseCutover(now(), metric.latenessMs, metric.grain).getTime();
  const startMs = cutoverMs - metric.latenessMs;
  // Without state, a job whose topic serving already reads would overwrite correct values with
  // partial ones while it catches up: it writes a new generation instead (speedGeneration.ts).
  let { running: generation } = speedGenerations(table?.properties ?? {});
  const newGeneration = !restoreFrom && published !== null;
  if (newGeneration) {
    generation += 1;
    await cp.deployment.ensureTopics([
      {
        name: names.speedTopic(cp.endpoints.namespace, metric.name, metric.version, generation),
        partitions: cp.sourceOf(metric).partitions,
        compacted: true,
      },
    ]);
    await cp.tables.setProperties(metric.batchTable, {
      [SPEED_RUNNING_GENERATION_PROPERTY]: String(generation),
    });
  }
  const { jobId } = await cp.engine.submitScript(metric.streamingScript(startMs, generation), {
    mode: 'streaming',
    jobName: name,
    config: { ...metric.streamingConfig, ...recovery },
    restoreFrom: restoreFrom ?? undefined,
  });
  // A stateless start reads from startMs; backfills may not move the cutover below what it covers.
  if (!restoreFrom && table)
    await cp.tables.setProperties(metric.batchTable, {
      [SPEED_READS_FROM_PROPERTY]: new Date(startMs).toISOString(),
    });
  if (table) await recordJobDefinition(cp, metric.batchTable, name);
  say(
    `  ${name} is job ${jobId}, reading ${metric.source} from ${new Date(startMs).toISOString()}${generation > 0 ? `, writing speed generation ${generation}` : ''}`,
  );
  // Serving switches to the new generation once the job has caught up; until then it keeps the
  // previous generation's values (not updated while the job catches up, but never partial).
  if (newGeneration && (await servedVersionOf(cp, metric.name)) === metric.version)
    await registerPublished(cp, metric.name, say);
}

async function servedVersionOf(cp: ControlPlane, metric: string): Promise<string | null> {
  return (await cp.deployment.namespaceProperties())[`${SERVED_PREFIX}${metric}`] ?? null;
}

/**
 * Records beside the job what it was started with, after it started: a deploy killed in between
 * finds the old record and restarts the job once more (a savepoint restore of the same definition).
 */
async function recordJobDefinition(
  cp: ControlPlane,
  table: { namespace: string; name: string },
  jobName: string,
): Promise<void> {
  const definition = desiredJobDefinitions(cp.project, cp.endpoints.namespace).get(jobName);
  if (definition)
    await cp.tables.setProperties(table, { [JOB_DEFINITION_PROPERTY]: JSON.stringify(definition) });
}

/** How many versions of a metric keep their batch table (and speed topic) for audit. */
export function versionsToKeep(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.LAMBDALAKE_KEEP_VERSIONS ?? 3);
  if (!Number.isInteger(n) || n < 1)
    throw new ControlPlaneError(
      'bad-input',
      `LAMBDALAKE_KEEP_VERSIONS must be a whole number >= 1, got '${env.LAMBDALAKE_KEEP_VERSIONS}'`,
      false,
    );
  return n;
}

/**
 * Keeps the newest N versions of a metric (by publication time, the served one always) and drops the
 * batch tables and speed topics of older ones. Their speed jobs were stopped when they were replaced.
 */
async function retireOldVersions(
  cp: ControlPlane,
  metric: string,
  served: string,
  say: (message: string) => void,
): Promise<void> {
  const keep = versionsToKeep();
  const prefix = names.batchTable(metric, '');
  const versions: { name: string; version: string; publishedAt: string }[] = [];
  for (const name of await cp.deployment.tableNames()) {
    if (!name.startsWith(prefix)) continue;
    const table = await cp.tables.loadTable({ namespace: cp.endpoints.namespace, name });
    const version = table?.properties['lambdalake.version'] ?? name.slice(prefix.length);
    const publishedAt = table
      ? (readPublication(table.properties, table.refs)?.publishedAt ?? '')
      : '';
    versions.push({
      name,
      version,
      publishedAt: version === served ? '9999' : publishedAt,
    });
  }
  versions.sort((a, b) => b.publishedAt.localeCompare(a.publishedAt));
  for (const old of versions.slice(keep)) {
    say(`  retiring ${metric} version ${old.version} (keeping the newest ${keep})`);
    await cp.deployment.dropTable(old.name);
    const topic = names.speedTopic(cp.endpoints.namespace, metric, old.version);
    // Every generation of the version's speed topic (speedGeneration.ts).
    for (const t of await cp.deployment.topics())
      if (t === topic || t.startsWith(`${topic}.g`)) await cp.deployment.deleteTopic(t);
  }
}
