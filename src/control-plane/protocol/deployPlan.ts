/**
 * Deciding what `deploy` must change is a pure function: desired state (from the compiled
 * definitions) against observed state (topics, tables, Flink jobs by name, the deployment record).
 * The same plan is printed by `lambdalake plan` and executed by `lambdalake deploy`.
 */
import type { DesiredTopic } from './topics.ts';
import type { JobView, TableRef } from './ports.ts';
import {
  jobRestart,
  masterSchemaChange,
  refusedSchemaChanges,
  type JobDefinition,
  type JobRestart,
  type MasterColumn,
  type MasterSchema,
} from './definitionChanges.ts';
import { describeDerivedAction, type DerivedAction } from './derivedPlan.ts';

export interface DesiredTable {
  table: TableRef;
  /** Which definition it belongs to, for readable plans. */
  owner: string;
}

export interface DesiredJob {
  /** Jobs are found again by name: 'lambdalake-ingest-<source>', 'lambdalake-speed-<metric>-v<version>'. */
  name: string;
  kind: 'ingestion' | 'speed';
  owner: string;
  /** What the job is compiled to now; compared with what its running job recorded at start. */
  definition?: JobDefinition;
}

/** A source's master table and the columns its definition wants (Iceberg types). */
export interface DesiredMaster {
  source: string;
  /** The definition file, for refusals. */
  file: string;
  table: TableRef;
  columns: MasterColumn[];
}

export interface DesiredMetricVersion {
  metric: string;
  version: string;
  speedJobName: string;
}

export interface DesiredDeployment {
  namespace: string;
  topics: DesiredTopic[];
  tables: DesiredTable[];
  jobs: DesiredJob[];
  metrics: DesiredMetricVersion[];
  masters?: DesiredMaster[];
}

export interface ObservedDeployment {
  namespaceExists: boolean;
  topics: ReadonlySet<string>;
  tables: ReadonlySet<string>;
  jobs: readonly JobView[];
  /** metric → the version currently served (from the deployment record). */
  servedVersions: Readonly<Record<string, string>>;
  /** `<metric>@<version>` of every version whose batch view has a publication. */
  publishedVersions?: ReadonlySet<string>;
  /** Job id → root cause, of every alive job that is crash-looping (see health.ts). */
  crashLooping?: ReadonlyMap<string, string>;
  /** Metric → how what serving shows differs from its served version's publication (reconcile.ts). */
  servingDiffers?: ReadonlyMap<string, string>;
  /** Source → its master table's current schema (existing master tables only). */
  masterSchemas?: ReadonlyMap<string, MasterSchema>;
  /** Job name → the definition its current run recorded at start (absent: started before that was recorded). */
  jobDefinitions?: ReadonlyMap<string, JobDefinition>;
}

export type DeployAction =
  | { kind: 'create-namespace'; namespace: string }
  | { kind: 'create-topic'; topic: DesiredTopic }
  | { kind: 'create-table'; table: DesiredTable }
  | { kind: 'evolve-master-schema'; source: string; table: TableRef; added: MasterColumn[] }
  | {
      kind: 'start-job';
      job: DesiredJob;
      restoreFromJobId: string | null;
      /** Set when the job's definition changed since its last run (its plan may differ). */
      changed?: JobRestart;
    }
  | { kind: 'restart-job'; job: DesiredJob; jobId: string; restart: JobRestart }
  | { kind: 'replace-job'; job: DesiredJob; jobId: string; rootCause: string }
  | { kind: 'first-batch'; metric: string; version: string }
  | { kind: 'switch-version'; metric: string; from: string | null; to: string }
  | { kind: 'stop-job'; jobId: string; name: string; reason: string }
  | { kind: 'unserve-metric'; metric: string; version: string }
  | { kind: 'repair-serving'; metric: string; version: string; reason: string }
  | DerivedAction;

const ALIVE = new Set([
  'INITIALIZING',
  'CREATED',
  'RUNNING',
  'RESTARTING',
  'RECONCILING',
  'FAILING',
  'CANCELLING',
]);

export function tableKey(t: TableRef): string {
  return `${t.namespace}.${t.name}`;
}

/** The ordered actions that make observed equal desired; empty when nothing changed. */
export function planDeployment(
  desired: DesiredDeployment,
  observed: ObservedDeployment,
): DeployAction[] {
  const actions: DeployAction[] = [];
  if (!observed.namespaceExists)
    actions.push({ kind: 'create-namespace', namespace: desired.namespace });
  for (const topic of desired.topics)
    if (!observed.topics.has(topic.name)) actions.push({ kind: 'create-topic', topic });
  for (const table of desired.tables)
    if (!observed.tables.has(tableKey(table.table))) actions.push({ kind: 'create-table', table });
  // Before any job starts: a restarted ingestion job writes the new columns, new versions read them.
  for (const master of desired.masters ?? []) {
    const current = observed.masterSchemas?.get(master.source);
    if (!current) continue;
    const { added } = masterSchemaChange(current, master.columns);
    if (added.length > 0)
      actions.push({
        kind: 'evolve-master-schema',
        source: master.source,
        table: master.table,
        added,
      });
  }

  const byName = new Map<string, JobView[]>();
  for (const job of observed.jobs) byName.set(job.name, [...(byName.get(job.name) ?? []), job]);
  for (const job of desired.jobs) {
    const runs = (byName.get(job.name) ?? []).sort((a, b) => b.startTimeMs - a.startTimeMs);
    const looping = runs.find((r) => ALIVE.has(r.state) && observed.crashLooping?.has(r.jobId));
    if (looping) {
      // Repair (issue 14): a crash-looping job never heals by itself; after the definition is
      // fixed it is cancelled and started again from its newest retained checkpoint.
      const rootCause = observed.crashLooping!.get(looping.jobId)!;
      actions.push({ kind: 'replace-job', job, jobId: looping.jobId, rootCause });
      continue;
    }
    const recorded = observed.jobDefinitions?.get(job.name);
    const changed = recorded && job.definition ? jobRestart(recorded, job.definition) : null;
    const alive = runs.find((r) => ALIVE.has(r.state));
    if (alive) {
      if (changed) actions.push({ kind: 'restart-job', job, jobId: alive.jobId, restart: changed });
      continue;
    }
    // A killed or failed job resumes from the newest retained checkpoint of its last run, unless
    // its topic changed (that state names the old topic's partitions).
    const restoreFromJobId = changed && !changed.fromSavepoint ? null : (runs[0]?.jobId ?? null);
    actions.push({
      kind: 'start-job',
      job,
      restoreFromJobId,
      ...(changed ? { changed } : {}),
    });
  }

  for (const m of desired.metrics) {
    const served = observed.servedVersions[m.metric] ?? null;
    const differs = observed.servingDiffers?.get(m.metric);
    if (served === m.version && differs)
      actions.push({
        kind: 'repair-serving',
        metric: m.metric,
        version: m.version,
        reason: differs,
      });
    if (served === m.version) continue;
    // Blue/green (DESIGN §5): the new speed job is started above; its first batch publishes, then the
    // union view switches in one step, and only then the old version's speed job stops.
    // A deploy killed between the first batch and the switch does not run the batch again.
    if (!observed.publishedVersions?.has(`${m.metric}@${m.version}`))
      actions.push({ kind: 'first-batch', metric: m.metric, version: m.version });
    actions.push({ kind: 'switch-version', metric: m.metric, from: served, to: m.version });
    if (served) {
      const oldName = m.speedJobName.replace(`-v${m.version}`, `-v${served}`);
      for (const job of byName.get(oldName) ?? []) {
        if (ALIVE.has(job.state))
          actions.push({
            kind: 'stop-job',
            jobId: job.jobId,
            name: oldName,
            reason: `version ${served} replaced by ${m.version}`,
          });
      }
    }
  }
  // Whatever of this namespace still runs but is no longer desired: a metric or source removed from
  // pipelines/, or an old version left running by a deploy killed between switch and stop. Their
  // tables and topics stay (history is never deleted by a deploy); only the jobs stop.
  const desiredNames = new Set(desired.jobs.map((j) => j.name));
  const stopping = new Set(actions.flatMap((a) => (a.kind === 'stop-job' ? [a.jobId] : [])));
  for (const job of observed.jobs) {
    if (!ALIVE.has(job.state) || desiredNames.has(job.name) || stopping.has(job.jobId)) continue;
    const owner = ownedJob(desired.namespace, job.name);
    if (!owner) continue;
    actions.push({
      kind: 'stop-job',
      jobId: job.jobId,
      name: job.name,
      reason:
        owner.kind === 'speed' && desired.metrics.some((m) => m.metric === owner.owner)
          ? `an old version of ${owner.owner}`
          : `${owner.kind === 'speed' ? 'metric' : 'source'} ${owner.owner} is no longer defined`,
    });
  }
  const defined = new Set(desired.metrics.map((m) => m.metric));
  for (const [metric, version] of Object.entries(observed.servedVersions))
    if (!defined.has(metric)) actions.push({ kind: 'unserve-metric', metric, version });
  return actions;
}

/**
 * Definition changes deploy cannot apply, each saying what to do instead: dropped or retyped columns
 * of a source whose master table exists. Deploy refuses to start when there is any.
 */
export function refusedDefinitionChanges(
  desired: DesiredDeployment,
  observed: ObservedDeployment,
): string[] {
  return (desired.masters ?? []).flatMap((master) => {
    const current = observed.masterSchemas?.get(master.source);
    if (!current) return [];
    return refusedSchemaChanges(
      master.source,
      master.file,
      tableKey(master.table),
      masterSchemaChange(current, master.columns),
    );
  });
}

/**
 * The owner of a job named by this namespace's scheme (`<ns>-ingest-<source>`,
 * `<ns>-speed-<metric>-v<version>`); null for any other job on the cluster.
 */
export function ownedJob(
  namespace: string,
  jobName: string,
): { kind: 'ingestion' | 'speed'; owner: string } | null {
  const ingest = `${namespace}-ingest-`;
  const speed = `${namespace}-speed-`;
  if (jobName.startsWith(ingest)) return { kind: 'ingestion', owner: jobName.slice(ingest.length) };
  const m = jobName.startsWith(speed)
    ? /^(.+)-v[0-9a-f]+$/.exec(jobName.slice(speed.length))
    : null;
  return m ? { kind: 'speed', owner: m[1]! } : null;
}

/** One line per action, for `plan` and deploy's progress output. */
export function describeAction(action: DeployAction): string {
  switch (action.kind) {
    case 'create-namespace':
      return `create Iceberg namespace ${action.namespace}`;
    case 'create-topic':
      return `create Kafka topic ${action.topic.name} (${action.topic.partitions} partition(s)${action.topic.compacted ? ', compacted' : ''})`;
    case 'create-table':
      return `create Iceberg table ${tableKey(action.table.table)} for ${action.table.owner}`;
    case 'evolve-master-schema':
      return `add column(s) ${action.added.map((c) => `${c.name} ${c.type}`).join(', ')} to the master table ${tableKey(action.table)} of source ${action.source} (older rows read NULL)`;
    case 'start-job':
      return `start ${action.job.kind} job ${action.job.name}${action.restoreFromJobId ? ` (restoring from the last checkpoint of ${action.restoreFromJobId})` : ''}${action.changed ? ` with its changed definition: ${action.changed.reasons.join(', ')}` : ''}`;
    case 'restart-job':
      return `restart ${action.job.kind} job ${action.job.name} (${action.jobId}) with its changed definition: ${action.restart.reasons.join(', ')}; ${action.restart.fromSavepoint ? 'stop with a savepoint and restore it' : `stop with a savepoint, start without state (${action.job.kind === 'ingestion' ? "the new topic from the group's offsets, else its earliest record" : 'reading the new topic from the served cutover − lateness'})`}`;
    case 'replace-job':
      return `replace crash-looping ${action.job.kind} job ${action.job.name} (${action.jobId}: ${action.rootCause}), restoring from its last checkpoint`;
    case 'first-batch':
      return `run the first batch of ${action.metric} version ${action.version}`;
    case 'switch-version':
      return `switch the union view of ${action.metric} from ${action.from ?? '(none)'} to version ${action.to}`;
    case 'stop-job':
      return `stop job ${action.name} (${action.jobId}): ${action.reason}`;
    case 'repair-serving':
      return `repair the union view of ${action.metric}: ${action.reason}; registering version ${action.version}'s publication`;
    case 'unserve-metric':
      return `stop serving ${action.metric} (version ${action.version}): no longer defined; its tables and topic are kept`;
    case 'register-derived':
    case 'unserve-derived':
      return describeDerivedAction(action);
  }
}
