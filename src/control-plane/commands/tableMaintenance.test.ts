import { afterEach, beforeEach, expect, test } from 'vitest';
import type { ControlPlane } from '../controlPlane.ts';
import type { TableView } from '../protocol/ports.ts';
import { maintainTables } from './tableMaintenance.ts';

const HOUR = 3_600_000;
let saved: string | undefined;
beforeEach(() => {
  saved = process.env.LAMBDALAKE_TABLE_MAINTENANCE_JAR;
  process.env.LAMBDALAKE_TABLE_MAINTENANCE_JAR = '/nonexistent/table-maintenance.jar';
});
afterEach(() => {
  if (saved === undefined) delete process.env.LAMBDALAKE_TABLE_MAINTENANCE_JAR;
  else process.env.LAMBDALAKE_TABLE_MAINTENANCE_JAR = saved;
});

/** Ten snapshots three hours old and older, the newest current: the rule expires the oldest five. */
function tenOldSnapshots(): TableView {
  const now = Date.now();
  return {
    properties: {},
    refs: {},
    currentSnapshotId: '10',
    snapshots: Array.from({ length: 10 }, (_, i) => ({
      snapshotId: String(i + 1),
      parentId: i === 0 ? null : String(i),
      timestampMs: now - (12 - i) * HOUR,
      summary: { 'total-data-files': String(i + 1) },
    })),
  };
}

test('without the job jar, expiry still runs through the catalog and compaction is reported as skipped', async () => {
  const view = tenOldSnapshots();
  const commits: unknown[] = [];
  const said: string[] = [];
  const cp = {
    endpoints: { namespace: 'ns' },
    catalog: {
      listTables: async () => [{ namespace: ['ns'], name: 'orders_master' }],
      commitTable: async (_id: unknown, commit: unknown) => void commits.push(commit),
    },
    tables: { loadTable: async () => view },
    engine: {
      jobManager: {
        runJar: async () => {
          throw new Error('no job may run without the jar');
        },
      },
    },
  } as unknown as ControlPlane;
  const report = await maintainTables(cp, { say: (m) => said.push(m) });
  expect(said.join('\n')).toMatch(/no table-maintenance jar at \/nonexistent.*compaction skipped/);
  expect(report.expiry).toEqual([{ table: 'ns.orders_master', expired: 5, kept: 5 }]);
  expect(report.compaction[0]).toMatchObject({ jobId: null, dataFilesBefore: 10 });
  expect(report.compaction[0]!.skipped).toMatch(/LAMBDALAKE_TABLE_MAINTENANCE_JAR/);
  expect(commits).toHaveLength(1);
  expect(JSON.stringify(commits[0])).toContain('"remove-snapshots"');
  expect(JSON.stringify(commits[0])).toMatch(/"snapshot-ids":\[1,2,3,4,5\]/);
});

test('a table whose maintenance fails is reported, and the tables after it are still maintained', async () => {
  const view = tenOldSnapshots();
  const committed: string[] = [];
  const cp = {
    endpoints: { namespace: 'ns' },
    catalog: {
      listTables: async () => [
        { namespace: ['ns'], name: 'a_master' },
        { namespace: ['ns'], name: 'b_master' },
      ],
      commitTable: async (id: { name: string }) => {
        if (id.name === 'a_master') throw new Error('commit lost a race');
        committed.push(id.name);
      },
    },
    tables: { loadTable: async () => view },
  } as unknown as ControlPlane;
  const report = await maintainTables(cp);
  expect(report.failed).toEqual([{ table: 'ns.a_master', error: 'commit lost a race' }]);
  expect(committed).toEqual(['b_master']);
  expect(report.expiry).toEqual([
    { table: 'ns.a_master', expired: 0, kept: 10 },
    { table: 'ns.b_master', expired: 5, kept: 5 },
  ]);
  expect(report.compaction[0]!.skipped).toBe('failed: commit lost a race');
});
