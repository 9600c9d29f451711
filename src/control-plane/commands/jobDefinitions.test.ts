import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { loadProjectOrThrow, type Project } from '../definitions/loadProject.ts';
import type { SourceDefinition } from '../definitions/schema.ts';
import {
  describeAction,
  planDeployment,
  refusedDefinitionChanges,
  type DesiredDeployment,
  type ObservedDeployment,
} from '../protocol/deployPlan.ts';
import type { MasterSchema } from '../protocol/definitionChanges.ts';
import { desiredJobDefinitions, desiredMasters } from './jobDefinitions.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const ns = 'lambdalake';

/** The example project with one source or metric definition changed in memory. */
function changed(
  project: Project,
  change: { source?: Partial<SourceDefinition>; stateTtl?: string },
): Project {
  const sources = new Map(
    [...project.sources].map(([name, s]) => [
      name,
      name === 'orders' ? { ...s, definition: { ...s.definition, ...change.source } } : s,
    ]),
  );
  const metrics = new Map(
    [...project.metrics].map(([name, m]) => [
      name,
      name === 'hourly_revenue' && change.stateTtl
        ? { ...m, definition: { ...m.definition, speed: { state_ttl: change.stateTtl } } }
        : m,
    ]),
  );
  return { ...project, sources, metrics };
}

/** Every job running with what `before` compiles to, and the master tables as `before` created them. */
function deployedFrom(before: Project): ObservedDeployment {
  const masters = new Map<string, MasterSchema>(
    desiredMasters(before, ns).map((m) => [
      m.source,
      {
        schemaId: 0,
        lastColumnId: m.columns.length,
        fields: m.columns.map((c, i) => ({ ...c, id: i + 1, required: false })),
      },
    ]),
  );
  const definitions = desiredJobDefinitions(before, ns);
  return {
    namespaceExists: true,
    topics: new Set(),
    tables: new Set(),
    jobs: [...definitions.keys()].map((name, i) => ({
      jobId: `j${i}`,
      name,
      state: 'RUNNING',
      startTimeMs: 1,
      durationMs: 0,
    })),
    servedVersions: {},
    masterSchemas: masters,
    jobDefinitions: definitions,
  };
}

/** The job part of the deployment `after` wants (topics, tables and versions are covered elsewhere). */
function jobsOf(after: Project): DesiredDeployment {
  const definitions = desiredJobDefinitions(after, ns);
  return {
    namespace: ns,
    topics: [],
    tables: [],
    metrics: [],
    masters: desiredMasters(after, ns),
    jobs: [...definitions].map(([name, definition]) => ({
      name,
      kind: name.includes('-ingest-') ? 'ingestion' : 'speed',
      owner: name,
      definition,
    })),
  };
}

test('nothing changed: no job restarts', async () => {
  const project = await loadProjectOrThrow(repo);
  expect(planDeployment(jobsOf(project), deployedFrom(project))).toEqual([]);
});

test('a changed state_ttl restarts only that metric’s speed job, from a savepoint', async () => {
  const project = await loadProjectOrThrow(repo);
  const plan = planDeployment(
    jobsOf(changed(project, { stateTtl: '2d' })),
    deployedFrom(project),
  ).map(describeAction);
  expect(plan).toEqual([
    expect.stringMatching(
      /^restart speed job lambdalake-speed-hourly_revenue-v[0-9a-f]+ \(j\d\) with its changed definition: state_ttl 1d → 2d; stop with a savepoint and restore it$/,
    ),
  ]);
});

test('a changed watermark_delay restarts the speed jobs of that source, not its ingestion', async () => {
  const project = await loadProjectOrThrow(repo);
  const plan = planDeployment(
    jobsOf(changed(project, { source: { watermark_delay: '30s' } })),
    deployedFrom(project),
  ).map(describeAction);
  expect(plan).toEqual([
    expect.stringMatching(
      /^restart speed job lambdalake-speed-hourly_revenue-v[0-9a-f]+ \(j\d\) with its changed definition: watermark_delay 5s → 30s; stop with a savepoint and restore it$/,
    ),
  ]);
});

test('a changed topic restarts ingestion and speed without their Kafka state', async () => {
  const project = await loadProjectOrThrow(repo);
  const plan = planDeployment(
    jobsOf(changed(project, { source: { topic: 'orders_v2' } })),
    deployedFrom(project),
  ).map(describeAction);
  expect(plan).toEqual([
    "restart ingestion job lambdalake-ingest-orders (j0) with its changed definition: topic orders → orders_v2; stop with a savepoint, start without state (the new topic from the group's offsets, else its earliest record)",
    expect.stringMatching(
      /^restart speed job lambdalake-speed-hourly_revenue-v[0-9a-f]+ \(j\d\) with its changed definition: topic orders → orders_v2; stop with a savepoint, start without state \(reading the new topic from the served cutover − lateness\)$/,
    ),
  ]);
});

test('a stopped job whose topic changed starts without state; other changes restore its checkpoint', async () => {
  const project = await loadProjectOrThrow(repo);
  const observed = deployedFrom(project);
  const stopped = {
    ...observed,
    jobs: observed.jobs.map((j) => ({ ...j, state: 'CANCELED' })),
  };
  const moved = planDeployment(
    jobsOf(changed(project, { source: { topic: 'orders_v2' } })),
    stopped,
  );
  expect(
    moved.find((a) => a.kind === 'start-job' && a.job.name === 'lambdalake-ingest-orders'),
  ).toMatchObject({ restoreFromJobId: null, changed: { fromSavepoint: false } });
  const slower = planDeployment(jobsOf(changed(project, { stateTtl: '2d' })), stopped);
  expect(
    slower.find((a) => a.kind === 'start-job' && a.job.name.includes('hourly_revenue')),
  ).toMatchObject({
    restoreFromJobId: expect.stringMatching(/^j\d$/),
    changed: { fromSavepoint: true },
  });
  expect(
    slower.find((a) => a.kind === 'start-job' && a.job.name === 'lambdalake-ingest-orders'),
  ).toEqual({
    kind: 'start-job',
    job: expect.objectContaining({ name: 'lambdalake-ingest-orders' }),
    restoreFromJobId: 'j0',
  });
});

test('an added column evolves the master before ingestion restarts from a savepoint', async () => {
  const project = await loadProjectOrThrow(repo);
  const orders = project.sources.get('orders')!.definition;
  const columns = [...orders.columns];
  columns.splice(2, 0, { name: 'coupon', type: 'STRING', required: false });
  const plan = planDeployment(
    jobsOf(changed(project, { source: { columns } })),
    deployedFrom(project),
  ).map(describeAction);
  expect(plan[0]).toBe(
    'add column(s) coupon string to the master table lambdalake.orders_master of source orders (older rows read NULL)',
  );
  expect(plan[1]).toMatch(
    /^restart ingestion job lambdalake-ingest-orders \(j0\) with its changed definition: columns order_id STRING, user_id STRING, product STRING, amount DECIMAL\(12,2\), event_time TIMESTAMP\(3\) → order_id STRING, user_id STRING, coupon STRING, .*; stop with a savepoint and restore it$/,
  );
});

test('a dropped and a retyped column are refused with the source file and what to do', async () => {
  const project = await loadProjectOrThrow(repo);
  const orders = project.sources.get('orders')!.definition;
  const columns = orders.columns
    .filter((c) => c.name !== 'product')
    .map((c) => (c.name === 'amount' ? { ...c, type: 'DOUBLE' } : c));
  const refused = refusedDefinitionChanges(
    jobsOf(changed(project, { source: { columns } })),
    deployedFrom(project),
  );
  expect(refused).toHaveLength(2);
  expect(refused[0]).toMatch(
    /^pipelines\/sources\/orders\.yaml: column 'product' of source orders is no longer defined, but the master table lambdalake\.orders_master holds it: dropping a column is refused/,
  );
  expect(refused[1]).toMatch(
    /^pipelines\/sources\/orders\.yaml: column 'amount' of source orders changed type from decimal\(12, 2\) to double, .* Keep its type, or add a new column under another name/,
  );
});
