import { expect, test } from 'vitest';
import {
  describeAction,
  ownedJob,
  planDeployment,
  type DesiredDeployment,
  type ObservedDeployment,
} from './deployPlan.ts';

const desired: DesiredDeployment = {
  namespace: 'lambdalake',
  topics: [
    { name: 'page_views', partitions: 1, compacted: false },
    { name: 'lambdalake.speed.dau.vb2', partitions: 1, compacted: true },
  ],
  tables: [
    { table: { namespace: 'lambdalake', name: 'page_views_master' }, owner: 'source page_views' },
    { table: { namespace: 'lambdalake', name: 'dau__vb2_batch' }, owner: 'metric dau' },
  ],
  jobs: [
    { name: 'lambdalake-ingest-page_views', kind: 'ingestion', owner: 'page_views' },
    { name: 'lambdalake-speed-dau-vb2', kind: 'speed', owner: 'dau' },
  ],
  metrics: [{ metric: 'dau', version: 'b2', speedJobName: 'lambdalake-speed-dau-vb2' }],
};

const job = (jobId: string, name: string, state: string, startTimeMs = 1) => ({
  jobId,
  name,
  state,
  startTimeMs,
  durationMs: 0,
});

test('a fresh deployment creates everything, starts both jobs and runs the first batch', () => {
  const plan = planDeployment(desired, {
    namespaceExists: false,
    topics: new Set(),
    tables: new Set(),
    jobs: [],
    servedVersions: {},
  });
  expect(plan.map(describeAction)).toEqual([
    'create Iceberg namespace lambdalake',
    'create Kafka topic page_views (1 partition(s))',
    'create Kafka topic lambdalake.speed.dau.vb2 (1 partition(s), compacted)',
    'create Iceberg table lambdalake.page_views_master for source page_views',
    'create Iceberg table lambdalake.dau__vb2_batch for metric dau',
    'start ingestion job lambdalake-ingest-page_views',
    'start speed job lambdalake-speed-dau-vb2',
    'run the first batch of dau version b2',
    'switch the union view of dau from (none) to version b2',
  ]);
});

const deployed: ObservedDeployment = {
  namespaceExists: true,
  topics: new Set(['page_views', 'lambdalake.speed.dau.vb2']),
  tables: new Set(['lambdalake.page_views_master', 'lambdalake.dau__vb2_batch']),
  jobs: [
    job('j1', 'lambdalake-ingest-page_views', 'RUNNING'),
    job('j2', 'lambdalake-speed-dau-vb2', 'RUNNING'),
  ],
  servedVersions: { dau: 'b2' },
};

test('a second deploy with nothing changed does nothing', () => {
  expect(planDeployment(desired, deployed)).toEqual([]);
});

test('a failed job is restarted from its newest run', () => {
  const observed = {
    ...deployed,
    jobs: [
      job('j0', 'lambdalake-ingest-page_views', 'CANCELED', 0),
      job('j1', 'lambdalake-ingest-page_views', 'FAILED', 5),
      deployed.jobs[1]!,
    ],
  };
  expect(planDeployment(desired, observed)).toEqual([
    { kind: 'start-job', job: desired.jobs[0], restoreFromJobId: 'j1' },
  ]);
});

test('a crash-looping job is replaced, restoring from its last checkpoint', () => {
  const observed = {
    ...deployed,
    jobs: [job('j1', 'lambdalake-ingest-page_views', 'RESTARTING'), deployed.jobs[1]!],
    crashLooping: new Map([['j1', 'IOException: Failed to deserialize consumer record']]),
  };
  expect(planDeployment(desired, observed).map(describeAction)).toEqual([
    'replace crash-looping ingestion job lambdalake-ingest-page_views (j1: IOException: Failed to deserialize consumer record), restoring from its last checkpoint',
  ]);
});

test('a changed version goes blue/green: new speed job, first batch, switch, then stop the old speed job', () => {
  const observed = {
    ...deployed,
    jobs: [deployed.jobs[0]!, job('j9', 'lambdalake-speed-dau-va1', 'RUNNING')],
    servedVersions: { dau: 'a1' },
  };
  const plan = planDeployment(desired, observed).map(describeAction);
  expect(plan).toEqual([
    'start speed job lambdalake-speed-dau-vb2',
    'run the first batch of dau version b2',
    'switch the union view of dau from a1 to version b2',
    'stop job lambdalake-speed-dau-va1 (j9): version a1 replaced by b2',
  ]);
});

test('a version already published is switched without running its first batch again', () => {
  const observed = {
    namespaceExists: true,
    topics: new Set(['page_views', 'lambdalake.speed.dau.vb2']),
    tables: new Set(['lambdalake.page_views_master', 'lambdalake.dau__vb2_batch']),
    jobs: [
      job('j1', 'lambdalake-ingest-page_views', 'RUNNING'),
      job('j2', 'lambdalake-speed-dau-vb2', 'RUNNING'),
    ],
    servedVersions: {},
    publishedVersions: new Set(['dau@b2']),
  };
  expect(planDeployment(desired, observed).map((a) => a.kind)).toEqual(['switch-version']);
});

test('a metric and a source removed from pipelines/ stop their jobs and the union view, keeping tables and topics', () => {
  const observed: ObservedDeployment = {
    ...deployed,
    jobs: [
      ...deployed.jobs,
      job('j5', 'lambdalake-ingest-clicks', 'RUNNING'),
      job('j6', 'lambdalake-speed-funnel-v77aa', 'RUNNING'),
      job('j7', 'lambdalake-speed-funnel-v66bb', 'CANCELED'),
    ],
    servedVersions: { dau: 'b2', funnel: '77aa' },
  };
  expect(planDeployment(desired, observed).map(describeAction)).toEqual([
    'stop job lambdalake-ingest-clicks (j5): source clicks is no longer defined',
    'stop job lambdalake-speed-funnel-v77aa (j6): metric funnel is no longer defined',
    'stop serving funnel (version 77aa): no longer defined; its tables and topic are kept',
  ]);
});

test('an old version still running after a killed deploy is stopped; other namespaces are left alone', () => {
  const observed: ObservedDeployment = {
    ...deployed,
    jobs: [
      ...deployed.jobs,
      job('j8', 'lambdalake-speed-dau-va1', 'RUNNING'),
      job('j9', 'other-speed-dau-va1', 'RUNNING'),
      job('j10', 'lambdalake_dev-ingest-page_views', 'RUNNING'),
      job('j11', 'lambdalake-batch-dau-vb2', 'RUNNING'),
    ],
  };
  expect(planDeployment(desired, observed).map(describeAction)).toEqual([
    'stop job lambdalake-speed-dau-va1 (j8): an old version of dau',
  ]);
});

test('job names are read back to their owner only within their namespace', () => {
  expect(ownedJob('lambdalake', 'lambdalake-ingest-page_views')).toEqual({
    kind: 'ingestion',
    owner: 'page_views',
  });
  expect(ownedJob('lambdalake', 'lambdalake-speed-hourly-revenue-v34303ec3')).toEqual({
    kind: 'speed',
    owner: 'hourly-revenue',
  });
  expect(ownedJob('lambdalake', 'lambdalake_x-speed-dau-v1')).toBeNull();
  expect(ownedJob('lambdalake', 'lambdalake-batch-dau-v1')).toBeNull();
  expect(ownedJob('lambdalake', 'lambdalake-speed-dau')).toBeNull();
});

test('serving showing something else than the served version’s publication is repaired by deploy', () => {
  const observed: ObservedDeployment = {
    ...deployed,
    servingDiffers: new Map([['dau', 'serving shows version b1; the catalog serves b2']]),
  };
  expect(planDeployment(desired, observed).map(describeAction)).toEqual([
    "repair the union view of dau: serving shows version b1; the catalog serves b2; registering version b2's publication",
  ]);
});
