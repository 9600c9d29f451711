import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openControlPlane, type ControlPlane } from '../../src/control-plane/controlPlane.ts';
import { deploy } from '../../src/control-plane/commands/deploy.ts';
import { maintainTables } from '../../src/control-plane/commands/tableMaintenance.ts';
import { deploymentStatus } from '../../src/control-plane/commands/status.ts';
import { runBatchCycle } from '../../src/control-plane/protocol/batchCycle.ts';
import { readPublication } from '../../src/control-plane/protocol/publication.ts';
import { LEDGER } from '../../src/control-plane/compiler/ledger.ts';
import { tableCounts } from '../../src/control-plane/protocol/maintenance.ts';
import { generateEvents, type ProducedRecord } from '../../src/demo/events.ts';
import { hourlyRevenue } from '../../src/demo/oracle.ts';
import { produceRecords } from '../../src/demo/produce.ts';
import { localDataFiles, localPath, readSnapshotFiles } from '../../src/iceberg/index.ts';
import { stackEndpoints } from './stack.ts';
import { eventually } from './support/eventually.ts';
import { endpointsFor, examplePipelines, servingPgConfig } from './support/pipelineFixture.ts';
import { stopDeployment } from './support/stopDeployment.ts';

const HOUR = 3_600_000;
const iso = (column: string) => `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS".000Z"') AS ${column}`;

describe('compaction rewrites small files and loses no concurrent append', () => {
  const namespace = `cp${Date.now().toString(36)}`;
  let control: ControlPlane;
  let producer: Producer;
  let admin: Admin;
  let client: pg.Client;
  let topics: { page_views: string; orders: string };
  const produced: ProducedRecord[] = [];
  let seed = 500;

  /** Orders spread from `fromMs` (default: three hours ago) to now, produced at once: one ingestion commit or two. */
  const burst = async (orders: number, fromMs = Date.now() - 3 * HOUR) => {
    const records = generateEvents({
      seed: seed++,
      startMs: fromMs,
      endMs: Date.now() - 1000,
      pageViews: 0,
      orders,
      duplicateRate: 0,
      lateRate: 0,
    });
    await produceRecords(producer, topics, records);
    produced.push(...records);
  };

  /** Every orders record Kafka holds: the sum of the topic's log-end offsets (nothing is produced twice by accident here). */
  const ordersInKafka = async () =>
    (await admin.fetchTopicOffsets(topics.orders)).reduce((n, p) => n + Number(p.high), 0);

  /** (rows, distinct (partition, offset) pairs) of the orders topic in a master snapshot, read from its files. */
  const ledgerCounts = async (snapshotId: string) => {
    const master = control.sourceOf(control.metric('hourly_revenue')).masterTable;
    const meta = (
      await control.catalog.loadTable({ namespace: [master.namespace], name: master.name })
    ).metadata;
    const io = await control.catalog.fileIO();
    const { dataFiles } = await readSnapshotFiles(meta, io, { snapshotId });
    if (dataFiles.length === 0) return { rows: 0, distinct: 0, files: 0 };
    const folder = await mkdtemp(join(tmpdir(), 'lambdalake-compaction-it-'));
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const paths = await localDataFiles(
        io,
        dataFiles.map((f) => f.path),
        folder,
      );
      const list = paths.map((p) => `'${p.replace(/'/g, "''")}'`).join(', ');
      const [row] = (
        await connection.runAndReadAll(
          `SELECT CAST(count(*) AS INTEGER) AS n, CAST(count(DISTINCT (${LEDGER.partition}, ${LEDGER.offset})) AS INTEGER) AS d FROM read_parquet([${list}], union_by_name = true) WHERE ${LEDGER.topic} = '${topics.orders}'`,
        )
      ).getRowObjectsJson();
      return { rows: Number(row!.n), distinct: Number(row!.d), files: dataFiles.length };
    } finally {
      connection.closeSync();
      instance.closeSync();
      await rm(folder, { recursive: true, force: true });
    }
  };

  /** The data file locations a master snapshot reads. */
  const filesOf = async (snapshotId: string) => {
    const master = control.sourceOf(control.metric('hourly_revenue')).masterTable;
    const meta = (
      await control.catalog.loadTable({ namespace: [master.namespace], name: master.name })
    ).metadata;
    const io = await control.catalog.fileIO();
    return (await readSnapshotFiles(meta, io, { snapshotId })).dataFiles.map((f) => f.path);
  };

  const masterView = async () => {
    const ref = control.sourceOf(control.metric('hourly_revenue')).masterTable;
    return (await control.tables.loadTable({ namespace: ref.namespace, name: ref.name }))!;
  };

  const served = async () =>
    (
      await client.query(
        `SELECT ${iso('hour')}, product, CAST(revenue AS VARCHAR) AS revenue, CAST(orders AS INTEGER) AS orders FROM ${namespace}.hourly_revenue ORDER BY 1, 2`,
      )
    ).rows as unknown[];

  /** The union view's oracle: batch rows below the published cutover, speed rows from it on. */
  const oracle = async () => {
    const batch = (await control.tables.loadTable(control.metric('hourly_revenue').batchTable))!;
    const cutover = Date.parse(readPublication(batch.properties, batch.refs)!.cutover);
    return [
      ...hourlyRevenue(produced, { before: cutover }),
      ...hourlyRevenue(produced, { from: cutover }),
    ];
  };

  beforeAll(async () => {
    const project = await examplePipelines(namespace);
    topics = project.topics;
    control = await openControlPlane(project.dir, endpointsFor(stackEndpoints(), namespace));
    await deploy(control);
    const kafka = new Kafka({
      clientId: 'it-compaction',
      brokers: stackEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    producer = kafka.producer();
    await producer.connect();
    admin = kafka.admin();
    await admin.connect();
    client = new pg.Client(servingPgConfig());
    await client.connect();
  }, 300_000);

  afterAll(async () => {
    await client?.end();
    await producer?.disconnect();
    await admin?.disconnect();
    await stopDeployment(control, namespace);
  });

  test('the master goes from many small files to few; every order produced during compaction arrives once; the pinned snapshot still reads; the next batch serves the oracle', async () => {
    // Ingestion commits on each checkpoint: bursts a few seconds apart leave many small files.
    for (let i = 0; i < 6; i++) {
      await burst(40);
      await new Promise((r) => setTimeout(r, 2500));
    }
    const metric = control.metric('hourly_revenue');
    const cycle = await runBatchCycle(control.runtimeOf(metric), control.batchDeps());
    expect(cycle.state).toBe('done');
    const pinned = cycle.publication!.masterSnapshotId!;
    const pinnedBefore = await ledgerCounts(pinned);
    expect(pinnedBefore.rows).toBeGreaterThan(0);
    expect(await eventually(served, await oracle())).toEqual(await oracle());
    const before = await masterView();
    const filesBefore = Number(
      before.snapshots.find((s) => s.snapshotId === before.currentSnapshotId)!.summary[
        'total-data-files'
      ],
    );
    expect(filesBefore).toBeGreaterThanOrEqual(6);

    // Orders keep arriving while compaction runs: ingestion commits beside the rewrite. They are
    // from the cutover on, so the speed layer serves them now (older ones wait for the next batch).
    const cutover = Date.parse(cycle.publication!.cutover);
    let producing = true;
    const during = (async () => {
      let bursts = 0;
      while (producing || bursts < 3) {
        await burst(5, cutover);
        bursts++;
        await new Promise((r) => setTimeout(r, 300));
      }
      return bursts;
    })();
    const report = await maintainTables(control, {
      compaction: { minDataFiles: 2 },
      retainMs: 0,
      keepNewest: 1,
    }).finally(() => (producing = false));
    expect(report.failed).toEqual([]);
    const burstsDuring = await during;
    expect(burstsDuring).toBeGreaterThanOrEqual(3);

    const masterRef = control.sourceOf(metric).masterTable;
    const masterName = `${masterRef.namespace}.${masterRef.name}`;
    const compacted = report.compaction.find((r) => r.table === masterName)!;
    expect(compacted.skipped).toBeNull();
    expect(compacted.rewrittenDataFiles).toBeGreaterThanOrEqual(filesBefore);
    expect(compacted.addedDataFiles).toBeLessThan(compacted.rewrittenDataFiles);
    // The replace snapshot holds fewer files than the one it was committed on: exactly the
    // rewritten ones fewer, the new ones more (appends before it stay; it may be expired since).
    expect(compacted.dataFilesAfterReplace).toBeLessThan(compacted.dataFilesReplaced!);
    expect(compacted.dataFilesAfterReplace).toBe(
      compacted.dataFilesReplaced! - compacted.rewrittenDataFiles + compacted.addedDataFiles,
    );
    const after = await masterView();

    // Every order in Kafka is in the master's current snapshot exactly once.
    const inKafka = await ordersInKafka();
    expect(inKafka).toBe(produced.length);
    const current = await eventually(
      async () => ledgerCounts((await masterView()).currentSnapshotId!),
      { rows: inKafka, distinct: inKafka, files: expect.any(Number) },
      { timeoutMs: 60_000, pollMs: 1000 },
    );
    expect({ rows: current.rows, distinct: current.distinct }).toEqual({
      rows: inKafka,
      distinct: inKafka,
    });

    // The served publication's pinned master snapshot survived expiry and reads what it read before.
    expect(after.snapshots.map((s) => s.snapshotId)).toContain(pinned);
    expect(await ledgerCounts(pinned)).toEqual(pinnedBefore);

    // status reports the master's true counts (read twice: ingestion may commit in between).
    const statusCounts = async () => {
      const status = await deploymentStatus(control);
      const reported = status.sources.find((s) => s.source === metric.source)!.masterTable;
      return JSON.stringify(reported) === JSON.stringify(tableCounts(await masterView()));
    };
    expect(await eventually(statusCounts, true, { timeoutMs: 30_000, pollMs: 500 })).toBe(true);

    // The union view kept serving the oracle (the speed layer has the concurrent orders), and a
    // batch over the compacted master proves completeness and serves exact numbers.
    expect(await eventually(served, await oracle())).toEqual(await oracle());
    const next = await runBatchCycle(control.runtimeOf(metric), control.batchDeps());
    expect(next.state).toBe('done');
    expect(await eventually(served, await oracle())).toEqual(await oracle());

    // The next publication pins a compacted M: the old M and the small files only it (and older
    // snapshots) read can go now. The second maintenance deletes them from the warehouse.
    const smallFiles = await filesOf(pinned);
    const second = await maintainTables(control, {
      compaction: { minDataFiles: 2 },
      retainMs: 0,
      keepNewest: 1,
    });
    expect(second.failed).toEqual([]);
    expect(second.expiry.find((r) => r.table === masterName)!.expired).toBeGreaterThan(0);
    const retained = (await masterView()).snapshots.map((s) => s.snapshotId);
    expect(retained).not.toContain(pinned);
    expect(retained).toContain(next.publication!.masterSnapshotId);
    const stillRead = new Set<string>();
    for (const id of retained) for (const f of await filesOf(id)) stillRead.add(f);
    const released = smallFiles.filter((f) => !stillRead.has(f));
    expect(released.length).toBeGreaterThan(0);
    if (stackEndpoints().warehousePath) {
      expect(released.filter((f) => existsSync(localPath(f)))).toEqual([]);
      expect([...stillRead].filter((f) => !existsSync(localPath(f)))).toEqual([]);
    }
    const newest = await ledgerCounts((await masterView()).currentSnapshotId!);
    expect({ rows: newest.rows, distinct: newest.distinct }).toEqual({
      rows: inKafka,
      distinct: inKafka,
    });
    expect(await eventually(served, await oracle())).toEqual(await oracle());
  }, 600_000);
});
