import { describe, expect, test } from 'vitest';
import { runBatchCycle, type BatchCycleDeps, type BatchCycleOutcome } from './batchCycle.ts';
import {
  CommitConflictError,
  type JobView,
  type MetricRuntime,
  type TableRef,
  type TableView,
  type UnionViewRegistration,
} from './ports.ts';
import { PUBLISHED_TAG } from './publication.ts';
import { ControlPlaneError } from '../errors.ts';
import type { CommitRequirement, CommitUpdate } from './publication.ts';

const HOUR = 3_600_000;

function metric(): MetricRuntime {
  return {
    metric: 'hourly_revenue',
    version: 'abcd1234',
    grainColumn: 'hour',
    grainSize: '1 hour',
    grainMs: HOUR,
    latenessMs: 10 * 60_000,
    keyColumns: ['product'],
    columns: [
      { name: 'hour', type: 'TIMESTAMP(3)' },
      { name: 'product', type: 'STRING' },
      { name: 'revenue', type: 'DECIMAL(18,2)' },
    ],
    sourceTopic: 'orders',
    deadLetterTopic: 'lambdalake.dead-letters.orders',
    sourceEventTime: 'event_time',
    ingestionGroupId: 'lambdalake-ingest-orders',
    ingestionJobName: 'lambdalake-ingest-orders',
    batchJobName: 'lambdalake-batch-hourly_revenue-vabc',
    masterTable: { namespace: 'lambdalake', name: 'orders_master' },
    batchTable: { namespace: 'lambdalake', name: 'hourly_revenue__vabcd1234_batch' },
    speedTopic: 'lambdalake.speed.hourly_revenue.vabcd1234',
    speedGroupId: 'lambdalake-speed-hourly_revenue-vabcd1234',
    batchScript: (cutover, master) => `-- cutover ${cutover.toISOString()} master ${master}`,
    qualityChecks: [],
  };
}

/** An in-memory catalog that enforces assert-ref-snapshot-id like a real one. */
class MemoryCatalog {
  tables = new Map<string, TableView>();
  key = (t: TableRef) => `${t.namespace}.${t.name}`;
  async loadTable(t: TableRef) {
    const v = this.tables.get(this.key(t));
    return v ? structuredClone(v) : null;
  }
  async setProperties(t: TableRef, updates: Record<string, string>, removals: string[] = []) {
    const v = this.tables.get(this.key(t))!;
    for (const k of removals) delete v.properties[k];
    Object.assign(v.properties, updates);
  }
  async commit(t: TableRef, requirements: CommitRequirement[], updates: CommitUpdate[]) {
    const v = this.tables.get(this.key(t))!;
    for (const r of requirements) {
      const at = v.refs[r.ref]?.['snapshot-id'] ?? null;
      if (at !== r['snapshot-id'])
        throw new CommitConflictError(t, `Requirement failed: ${r.ref} was ${at}`);
    }
    for (const u of updates) {
      if (u.action === 'set-properties') Object.assign(v.properties, u.updates);
      else if (u.action === 'remove-properties') for (const k of u.removals) delete v.properties[k];
      else v.refs[u['ref-name']] = { 'snapshot-id': u['snapshot-id'], type: u.type };
    }
  }
}

function harness() {
  const m = metric();
  const catalog = new MemoryCatalog();
  catalog.tables.set(catalog.key(m.batchTable), {
    properties: {},
    refs: {},
    currentSnapshotId: null,
    snapshots: [],
  });
  catalog.tables.set(catalog.key(m.masterTable), {
    properties: {},
    refs: {},
    currentSnapshotId: '900',
    snapshots: [],
  });
  const jobs = new Map<string, JobView>();
  const scripts: string[] = [];
  const registered: UnionViewRegistration[] = [];
  let nextJob = 1;
  const deps: BatchCycleDeps = {
    catalog,
    clock: () => new Date('2026-11-24T21:40:00Z'),
    log: {
      logEnd: async () => ({ 0: '200' }),
      committed: async () => ({ 0: '200' }),
      recordOffsets: async () => ({}),
      recentDeadLetters: async () => new Set<string>(),
    },
    // The master holds the last record before T0 (offset 199): complete.
    ledger: {
      highestOffsets: async () => ({ highest: { 0: '199' }, filesRead: 1, unledgeredFiles: 0 }),
    },
    engine: {
      async submitScript(script) {
        scripts.push(script);
        const jobId = `job${nextJob++}`;
        jobs.set(jobId, { jobId, name: 'b', state: 'FINISHED', startTimeMs: 0, durationMs: 1500 });
        // The job's commit: a snapshot tagged with its job id, as Flink's Iceberg sink writes it.
        const t = catalog.tables.get(catalog.key(m.batchTable))!;
        const id = String(1000 + nextJob);
        t.snapshots.push({
          snapshotId: id,
          parentId: t.currentSnapshotId,
          timestampMs: 0,
          summary: { 'flink.job-id': jobId, 'total-records': '42' },
        });
        t.currentSnapshotId = id;
        return { jobId };
      },
      job: async (id) => jobs.get(id) ?? null,
      jobs: async () => [...jobs.values()],
      rootException: async () => null,
      failures: async () => [],
      latestCompletedCheckpointId: async () => null,
      cancel: async () => undefined,
    },
    serving: {
      registerUnionView: async (v) => {
        registered.push(v);
        return { drift: null };
      },
      servedView: async () => null,
      removeView: async () => undefined,
    },
    validator: { validate: async () => [] },
    pollMs: 1,
  };
  return { m, catalog, deps, scripts, registered };
}

describe('runBatchCycle', () => {
  test('publishes the job’s snapshot with the protocol cutover and registers the union view', async () => {
    const { m, catalog, deps, scripts, registered } = harness();
    const result = await runBatchCycle(m, deps);
    expect(result.state).toBe('done');
    expect(scripts).toEqual(['-- cutover 2026-11-24T21:00:00.000Z master 900']);
    const table = (await catalog.loadTable(m.batchTable))!;
    expect(table.refs[PUBLISHED_TAG]?.['snapshot-id']).toBe(result.record.snapshotId);
    expect(table.properties['lambdalake.published.cutover']).toBe('2026-11-24T21:00:00.000Z');
    expect(table.properties['lambdalake.published.master-snapshot-id']).toBe('900');
    expect(table.properties['lambdalake.run.state']).toBe('done');
    expect(registered[0]?.union.batch).toEqual({
      table: 'lambdalake.hourly_revenue__vabcd1234_batch',
      snapshotId: result.record.snapshotId,
      cutover: '2026-11-24T21:00:00.000Z',
    });
  });

  test('an invalid snapshot publishes nothing and the run ends failed', async () => {
    const { m, catalog, deps } = harness();
    deps.validator = {
      validate: async () => ['row count is 0 but the master table has 200 rows before the cutover'],
    };
    await expect(runBatchCycle(m, deps)).rejects.toThrow(/failed in 'failed'.*row count is 0/);
    const table = (await catalog.loadTable(m.batchTable))!;
    expect(table.refs[PUBLISHED_TAG]).toBeUndefined();
    expect(table.properties['lambdalake.run.state']).toBe('failed');
  });

  test('when another run publishes first, this one reports a conflict and changes nothing', async () => {
    const { m, catalog, deps } = harness();
    const first = await runBatchCycle(m, deps);
    // A second run that started before the first published: simulate by resetting its base.
    const racing = { ...deps, clock: () => new Date('2026-11-24T22:40:00Z') };
    const table = catalog.tables.get(catalog.key(m.batchTable))!;
    const realCommit = catalog.commit.bind(catalog);
    catalog.commit = async (t, req, upd) => {
      table.refs[PUBLISHED_TAG] = { 'snapshot-id': 'someone-else', type: 'tag' };
      return realCommit(t, req, upd);
    };
    const second = await runBatchCycle(m, racing);
    expect(second.state).toBe('conflict');
    expect(table.properties['lambdalake.published.run-id']).toBe(first.record.runId);
  });
});

describe('runBatchCycle resumes and keeps one writer', () => {
  test('killed right after publish, the next run resumes at register: same run, no second job', async () => {
    const { m, catalog, deps, scripts, registered } = harness();
    // A retriable error leaves the run record as it is, as a kill would.
    const killed = new ControlPlaneError('timeout', 'killed', true);
    const hooks = {
      afterPersist: (state: string) => {
        if (state === 'register') throw killed;
      },
    };
    await expect(runBatchCycle(m, { ...deps, hooks })).rejects.toBe(killed);
    const published = (await catalog.loadTable(m.batchTable))!;
    const runId = published.properties['lambdalake.run.runId'];
    expect(published.properties['lambdalake.published.run-id']).toBe(runId);
    expect(registered).toHaveLength(0);
    const again = await runBatchCycle(m, deps);
    expect(again.state).toBe('done');
    expect(again.record.runId).toBe(runId);
    expect(scripts).toHaveLength(1);
    expect(registered).toHaveLength(1);
    expect(again.registered).toEqual({ drift: null });
  });

  test('a run taken over by a second invocation stops at its next write and leaves the record alone', async () => {
    const { m, catalog, deps } = harness();
    let second = null as Promise<BatchCycleOutcome> | null;
    const hooks = {
      // While the first invocation is between steps, a second one resumes the same run.
      afterPersist: async (state: string) => {
        if (state === 'wait-ingestion' && !second) second = runBatchCycle(m, deps);
        if (second) await second;
      },
    };
    const first = await runBatchCycle(m, { ...deps, hooks });
    expect(first.state).toBe('conflict');
    const done = (await second)!;
    expect(done.state).toBe('done');
    const table = (await catalog.loadTable(m.batchTable))!;
    expect(table.properties['lambdalake.run.state']).toBe('done');
    expect(table.properties['lambdalake.published.run-id']).toBe(done.record.runId);
  });

  test('a run that lost to a publication cannot overwrite the winner’s run record', async () => {
    const { m, catalog, deps } = harness();
    let winner: { record: { runId: string } } | null = null;
    const hooks = {
      afterPersist: async (state: string) => {
        // The slow run is at validate when another run (started fresh, later) publishes.
        if (state === 'validate' && !winner) {
          const t = catalog.tables.get(catalog.key(m.batchTable))!;
          const slowRecord = { ...t.properties };
          for (const k of Object.keys(t.properties))
            if (k.startsWith('lambdalake.run.')) delete t.properties[k];
          winner = await runBatchCycle(m, deps);
          // The slow run still believes it owns the record it wrote.
          for (const [k, v] of Object.entries(slowRecord))
            if (k.startsWith('lambdalake.run.owner')) t.properties[k] = v;
        }
      },
    };
    const loser = await runBatchCycle(m, { ...deps, hooks });
    expect(loser.state).toBe('conflict');
    const table = (await catalog.loadTable(m.batchTable))!;
    expect(table.properties['lambdalake.published.run-id']).toBe(winner!.record.runId);
    expect(table.properties['lambdalake.run.state']).toBe('done');
  });
});

describe('bounded backfills', () => {
  test('a cutover later than the protocol’s own is refused with the allowed range, before any record', async () => {
    const { m, catalog, deps } = harness();
    const speedReadsFrom = async () => Date.parse('2026-11-23T10:50:00Z');
    await expect(
      runBatchCycle(
        m,
        { ...deps, speedReadsFrom },
        { cutover: new Date('2026-11-24T22:00:00Z'), allowEarlierCutover: true },
      ),
    ).rejects.toThrow(
      /later than the protocol's own.*allowed: from 2026-11-23T11:00:00.000Z to 2026-11-24T21:00:00.000Z/,
    );
    const table = (await catalog.loadTable(m.batchTable))!;
    expect(table.properties['lambdalake.run.runId']).toBeUndefined();
  });

  test('a cutover before the speed job’s first whole window, or with no speed job, is refused', async () => {
    const { m, deps } = harness();
    const early = { cutover: new Date('2026-11-23T10:00:00Z'), allowEarlierCutover: true };
    await expect(
      runBatchCycle(
        m,
        { ...deps, speedReadsFrom: async () => Date.parse('2026-11-23T10:50:00Z') },
        early,
      ),
    ).rejects.toMatchObject({ code: 'cutover-out-of-range', retriable: false });
    await expect(
      runBatchCycle(m, { ...deps, speedReadsFrom: async () => null }, early),
    ).rejects.toThrow(/no speed job serves this version/);
  });

  test('a cutover inside the range runs', async () => {
    const { m, deps } = harness();
    const result = await runBatchCycle(
      m,
      { ...deps, speedReadsFrom: async () => Date.parse('2026-11-23T10:50:00Z') },
      { cutover: new Date('2026-11-24T12:00:00Z'), allowEarlierCutover: true },
    );
    expect(result.state).toBe('done');
    expect(result.record.cutover).toBe('2026-11-24T12:00:00.000Z');
  });
});

describe('runBatchCycle reconciles serving', () => {
  test('stale definitions (another version is served) are refused before any record or job', async () => {
    const { m, catalog, deps, scripts, registered } = harness();
    const stale = { ...deps, servedVersion: async () => 'ffff0000' };
    await expect(runBatchCycle(m, stale)).rejects.toMatchObject({ code: 'stale-definitions' });
    expect(scripts).toEqual([]);
    expect(registered).toEqual([]);
    const table = (await catalog.loadTable(m.batchTable))!;
    expect(table.properties['lambdalake.run.runId']).toBeUndefined();
  });

  test('serving showing another version is repaired from the publication before the cycle runs', async () => {
    const { m, deps, registered } = harness();
    const first = await runBatchCycle(m, deps);
    const served = { ...deps, servedVersion: async () => m.version };
    const wrong = { ...registered[0]!.union, version: 'old' };
    served.serving = { ...deps.serving, servedView: async () => wrong };
    registered.length = 0;
    await runBatchCycle(m, { ...served, clock: () => new Date('2026-11-24T22:40:00Z') });
    expect(registered.map((r) => r.union.batch.cutover)).toEqual([
      first.publication!.cutover,
      '2026-11-24T22:00:00.000Z',
    ]);
  });
});

describe('a version switch serves only what is caught up', () => {
  test('the first batch of a new version registers only once its speed job consumed the log end at switch time', async () => {
    const { m, deps, registered } = harness();
    let speedAt = 150;
    const progress: string[] = [];
    const switching = {
      ...deps,
      progress: (line: string) => progress.push(line),
      log: {
        ...deps.log,
        logEnd: async () => ({ 0: '200' }),
        committed: async (group: string) => {
          if (group !== m.speedGroupId) return { 0: '200' };
          const at = speedAt;
          speedAt += 25; // the speed job works through its backlog
          return { 0: String(at) };
        },
      },
    };
    const result = await runBatchCycle(m, switching, { switchingVersion: true });
    expect(result.state).toBe('done');
    expect(speedAt).toBeGreaterThan(200);
    expect(registered).toHaveLength(1);
    expect(progress).toContain('speed job of version abcd1234: 50 record(s) behind 0:200');
  });

  test('a speed job that does not catch up in time leaves serving as it was, resumable at register', async () => {
    const { m, catalog, deps, registered } = harness();
    const stuck = {
      ...deps,
      speedCatchUpTimeoutMs: 20,
      log: {
        ...deps.log,
        logEnd: async () => ({ 0: '200' }),
        committed: async (group: string) => ({ 0: group === m.speedGroupId ? '10' : '200' }),
      },
    };
    await expect(runBatchCycle(m, stuck, { switchingVersion: true })).rejects.toMatchObject({
      code: 'timeout',
      retriable: true,
    });
    expect(registered).toEqual([]);
    const table = (await catalog.loadTable(m.batchTable))!;
    expect(table.properties['lambdalake.run.state']).toBe('register');
  });
});

describe('the batch pins only a master snapshot proven complete', () => {
  test('offsets committed before the master commit: the cycle waits for the proof, then pins that snapshot', async () => {
    const { m, catalog, deps, scripts } = harness();
    const master = catalog.tables.get(catalog.key(m.masterTable))!;
    let probes = 0;
    const lagging = {
      ...deps,
      // The group already committed 200, but the master's snapshot 900 holds only up to 150; the
      // Iceberg commit (snapshot 901) lands after two probes.
      ledger: {
        highestOffsets: async (_t: TableRef, snapshotId: string) => {
          if (++probes === 2) master.currentSnapshotId = '901';
          return {
            highest: { 0: snapshotId === '901' ? '199' : '150' },
            filesRead: 1,
            unledgeredFiles: 0,
          };
        },
      },
      log: {
        ...deps.log,
        recordOffsets: async () => ({ 0: ['151', '199'] }),
      },
    };
    const result = await runBatchCycle(m, lagging);
    expect(result.state).toBe('done');
    expect(scripts[0]).toContain('master 901');
    const table = (await catalog.loadTable(m.batchTable))!;
    expect(table.properties['lambdalake.run.completeness']).toMatch(
      /^proven on the master snapshot/,
    );
  });

  test('a master that never catches up fails the wait naming the partition and offsets, retriable', async () => {
    const { m, deps, scripts } = harness();
    const stuck = {
      ...deps,
      ingestionTimeoutMs: 30,
      ledger: {
        highestOffsets: async () => ({ highest: { 0: '150' }, filesRead: 1, unledgeredFiles: 0 }),
      },
      log: { ...deps.log, recordOffsets: async () => ({ 0: ['151'] }) },
    };
    await expect(runBatchCycle(m, stuck)).rejects.toMatchObject({
      code: 'timeout',
      retriable: true,
      message: expect.stringContaining(
        "the master table of 'orders' does not hold every record up to 0:200 although ingestion job 'lambdalake-ingest-orders' committed 0:200: not proven: partition 0 holds up to offset 150, needs 199",
      ),
    });
    expect(scripts).toEqual([]);
  });
});
