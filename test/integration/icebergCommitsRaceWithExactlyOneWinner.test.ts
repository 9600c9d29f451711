import { expect, test } from 'vitest';
import {
  AlreadyExistsError,
  CommitFailedError,
  currentSnapshot,
  IcebergCatalogClient,
  NoSuchTableError,
  refsOf,
  snapshotHistory,
  tagSnapshotCommit,
  requirement,
  update,
} from '../../src/iceberg/index.ts';
import { SqlGatewayClient } from '../../src/flink/index.ts';
import { stackEndpoints } from './stack.ts';

const schema = {
  type: 'struct' as const,
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', type: 'long', required: false },
    { id: 2, name: 'event_time', type: 'timestamp', required: false },
  ],
};

test('namespaces, tables and views go through their whole lifecycle over the REST API', async () => {
  const catalog = new IcebergCatalogClient({ url: stackEndpoints().icebergCatalogUrl });
  const ns = [`life_${Date.now()}`];
  await catalog.createNamespace(ns, { owner: 'tests' });
  await expect(catalog.createNamespace(ns)).rejects.toBeInstanceOf(AlreadyExistsError);
  expect(await catalog.namespaceExists(ns)).toBe(true);
  expect(await catalog.listNamespaces()).toContainEqual(ns);
  await catalog.updateNamespaceProperties(ns, { team: 'lake' }, ['owner']);
  const props = await catalog.loadNamespace(ns);
  expect(props.team).toBe('lake');
  expect(props.owner).toBeUndefined();

  const created = await catalog.createTable(ns, {
    name: 'events',
    schema,
    partitionSpec: {
      'spec-id': 0,
      fields: [{ 'source-id': 2, 'field-id': 1000, name: 'event_time_day', transform: 'day' }],
    },
    properties: { 'write.format.default': 'parquet' },
  });
  expect(created.metadata['format-version']).toBe(2);
  expect(created.metadata['partition-specs']?.[0]?.fields[0]?.transform).toBe('day');
  expect(await catalog.listTables(ns)).toEqual([{ namespace: ns, name: 'events' }]);
  await catalog.renameTable({ namespace: ns, name: 'events' }, { namespace: ns, name: 'events2' });
  expect(await catalog.tableExists({ namespace: ns, name: 'events' })).toBe(false);

  const view = await catalog.createView(ns, { name: 'v', schema, sql: 'SELECT * FROM events2' });
  expect(view.metadata['current-version-id']).toBe(1);
  const replaced = await catalog.replaceView(
    { namespace: ns, name: 'v' },
    { sql: 'SELECT id FROM events2', schema },
  );
  expect(replaced.metadata['current-version-id']).toBe(2);
  // Back to the first SQL: a new version (version 1's summary says 'create', this one 'replace').
  const reverted = await catalog.replaceView(
    { namespace: ns, name: 'v' },
    { sql: 'SELECT * FROM events2', schema, properties: { reverted: 'yes' } },
  );
  expect(reverted.metadata['current-version-id']).toBe(3);
  expect(reverted.metadata.properties?.reverted).toBe('yes');
  // Equal to version 2 in everything but id and time: the server adds no copy (it would refuse
  // "Cannot set last version id"), so version 2 becomes current again.
  const again = await catalog.replaceView(
    { namespace: ns, name: 'v' },
    { sql: 'SELECT id FROM events2', schema },
  );
  expect(again.metadata['current-version-id']).toBe(2);
  expect(again.metadata.versions.map((v) => v['version-id'])).toEqual([1, 2, 3]);
  // A distinct summary entry makes the same SQL a version of its own.
  const distinct = await catalog.replaceView(
    { namespace: ns, name: 'v' },
    { sql: 'SELECT id FROM events2', schema, summary: { change: 'c-1' } },
  );
  expect(distinct.metadata['current-version-id']).toBe(4);
  expect(distinct.metadata.versions.find((v) => v['version-id'] === 4)?.summary.change).toBe('c-1');
  expect(await catalog.listViews(ns)).toEqual([{ namespace: ns, name: 'v' }]);
  await catalog.dropView({ namespace: ns, name: 'v' });
  expect(await catalog.viewExists({ namespace: ns, name: 'v' })).toBe(false);

  await catalog.dropTable({ namespace: ns, name: 'events2' }, { purge: true });
  await expect(catalog.loadTable({ namespace: ns, name: 'events2' })).rejects.toBeInstanceOf(
    NoSuchTableError,
  );
  await catalog.dropNamespace(ns);
  expect(await catalog.namespaceExists(ns)).toBe(false);
});

test('two commits racing with the same assert-ref-snapshot-id: exactly one wins, the other gets CommitFailed', async () => {
  const stack = stackEndpoints();
  const catalog = new IcebergCatalogClient({ url: stack.icebergCatalogUrl });
  const ns = `race_${Date.now()}`;
  // Two real snapshots, written by Flink.
  const gateway = new SqlGatewayClient({ url: stack.sqlGatewayUrl });
  await gateway.withSession(async (s) => {
    await gateway.runScript(
      s,
      `CREATE CATALOG lake WITH ('type'='iceberg','catalog-type'='rest','uri'='${stack.icebergCatalogUrl}');
       CREATE DATABASE lake.${ns};
       CREATE TABLE lake.${ns}.t (id BIGINT);`,
    );
    for (const v of [1, 2])
      await gateway.executeStatement(s, `INSERT INTO lake.${ns}.t VALUES (${v})`, {
        executionConfig: { 'execution.runtime-mode': 'batch', 'table.dml-sync': 'true' },
      });
  });
  const table = { namespace: [ns], name: 't' };
  const history = snapshotHistory((await catalog.loadTable(table)).metadata);
  expect(history).toHaveLength(2);
  const [first, second] = history;
  expect(BigInt(first!.snapshotId) > 0n || BigInt(first!.snapshotId) < 0n).toBe(true);

  // Both publishers saw the tag absent, and race to set it.
  const outcomes = await Promise.allSettled([
    catalog.commitTable(table, tagSnapshotCommit('published', first!.snapshotId)),
    catalog.commitTable(table, tagSnapshotCommit('published', second!.snapshotId)),
  ]);
  expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
  const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  expect(rejected).toHaveLength(1);
  expect(rejected[0]!.reason).toBeInstanceOf(CommitFailedError);
  expect((rejected[0]!.reason as Error).message).toMatch(/published/);

  // The ref holds exactly the winner's snapshot id, digit for digit.
  const refs = refsOf((await catalog.loadTable(table)).metadata);
  const tag = refs.find((r) => r.name === 'published');
  expect([first!.snapshotId, second!.snapshotId]).toContain(tag?.snapshotId);
  expect(currentSnapshot((await catalog.loadTable(table)).metadata)?.snapshotId).toBe(
    second!.snapshotId,
  );

  // A guarded move from the winner's snapshot, with properties, in one commit.
  await catalog.commitTable(table, {
    requirements: [requirement.refSnapshotId('published', tag!.snapshotId)],
    updates: [
      update.setSnapshotRef('published', 'tag', second!.snapshotId),
      update.setProperties({ 'lambdalake.published.cutover': '2026-11-24T00:00:00Z' }),
    ],
  });
  const after = (await catalog.loadTable(table)).metadata;
  expect(refsOf(after).find((r) => r.name === 'published')?.snapshotId).toBe(second!.snapshotId);
  expect(after.properties?.['lambdalake.published.cutover']).toBe('2026-11-24T00:00:00Z');
});
