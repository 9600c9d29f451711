import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Decimal, tableFromIPC } from 'apache-arrow';
import axios from 'axios';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServing, servingConfig, type RunningServing } from '../../src/serving/main.ts';
import { resolveLayout, silentProgress, stackStatus, stackUp } from '../../src/stack/index.ts';
import { stackEndpoints } from './stack.ts';
import { runJdbcProbe } from './support/jdbc.ts';
import { runPython } from './support/python.ts';
import { servingPgConfig } from './support/pipelineFixture.ts';

const TOKEN = 'lambdalake-local-control-plane';
const ns = `sv${Date.now().toString(36)}`;
const topic = `${ns}.speed.revenue.v1`;

function unionView(cutover: string) {
  return {
    entityType: 'dataset',
    type: 'VIRTUAL_DATASET',
    path: [ns, 'revenue'],
    union: {
      version: '1',
      grainColumn: 'hour',
      grainSize: '1 hour',
      keyColumns: ['product'],
      columns: [
        { name: 'hour', type: 'TIMESTAMP(3)' },
        { name: 'product', type: 'STRING' },
        { name: 'revenue', type: 'DECIMAL(22,2)' },
        { name: 'orders', type: 'BIGINT' },
      ],
      batch: { table: `${ns}.revenue__v1`, snapshotId: null, cutover },
      speed: { topic },
    },
  };
}

const key = (hour: string, product: string) => JSON.stringify({ hour, product });

describe('serving loads union views into PostgreSQL, and SQL clients read them there', () => {
  let producer: Producer;
  let second: RunningServing | null = null;
  const port = servingConfig().httpPort;
  const http = axios.create({
    baseURL: `http://127.0.0.1:${port}`,
    validateStatus: () => true,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const reader = axios.create({
    baseURL: `http://127.0.0.1:${port}`,
    validateStatus: () => true,
    auth: { username: 'lambdalake', password: 'lambdalake' },
  });

  beforeAll(async () => {
    const kafka = new Kafka({
      clientId: 'it-serving',
      brokers: stackEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      ],
      waitForLeaders: true,
    });
    await admin.disconnect();
    producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        {
          key: key('2026-11-24T09:00:00', 'lamp'),
          value: JSON.stringify({
            hour: '2026-11-24T09:00:00',
            product: 'lamp',
            revenue: 45.5,
            orders: 1,
          }),
        },
        {
          key: key('2026-11-24T10:00:00', 'lamp'),
          value: JSON.stringify({
            hour: '2026-11-24T10:00:00',
            product: 'lamp',
            revenue: 91.0,
            orders: 2,
          }),
        },
        {
          key: key('2026-11-24T10:00:00', 'mug'),
          // Written as Flink writes it: the decimal as an exact JSON number, beyond a double's precision.
          value:
            '{"hour":"2026-11-24T10:00:00","product":"mug","revenue":12345678901234567.89,"orders":3}',
        },
      ],
    });
  });

  afterAll(async () => {
    await producer?.disconnect();
    await second?.close();
  });

  test('the catalog API creates a union view with the control token only, and names bad fields', async () => {
    expect(
      (
        await axios.post(
          `http://127.0.0.1:${port}/api/v3/catalog`,
          unionView('2026-11-24T09:00:00Z'),
          { validateStatus: () => true },
        )
      ).status,
    ).toBe(401);
    expect((await reader.post('/api/v3/catalog', unionView('2026-11-24T09:00:00Z'))).status).toBe(
      403,
    );
    const bad = await http.post('/api/v3/catalog', {
      ...unionView('2026-11-24T09:00:00Z'),
      path: [ns, 'bad name'],
    });
    expect(bad.status).toBe(400);
    expect(bad.data.errorMessage).toMatch(/path\.1: a SQL identifier/);
    const created = await http.post('/api/v3/catalog', unionView('2026-11-24T09:00:00Z'));
    expect(created.status).toBe(200);
    expect(created.data.id).toMatch(/[0-9a-f-]{36}/);
    const byPath = await reader.get(`/api/v3/catalog/by-path/${ns}/revenue`);
    expect(byPath.data).toMatchObject({
      id: created.data.id,
      tag: created.data.tag,
      union: { batch: { cutover: '2026-11-24T09:00:00Z' } },
    });
    expect((await http.post('/api/v3/catalog', unionView('2026-11-24T09:00:00Z'))).status).toBe(
      409,
    );
  });

  test('node-postgres reads the union view with SCRAM, bound parameters and exact decimals; PostgreSQL refuses what the reader may not do', async () => {
    const client = new pg.Client(servingPgConfig());
    await client.connect();
    try {
      const rows = await client.query(
        `SELECT to_char(hour, 'HH24:MI') AS h, product, CAST(revenue AS VARCHAR) AS revenue, orders FROM ${ns}.revenue WHERE product = $1 OR orders > $2 ORDER BY 1, 2`,
        ['lamp', 2],
      );
      expect(rows.rows).toEqual([
        { h: '09:00', product: 'lamp', revenue: '45.50', orders: '1' },
        { h: '10:00', product: 'lamp', revenue: '91.00', orders: '2' },
        { h: '10:00', product: 'mug', revenue: '12345678901234567.89', orders: '3' },
      ]);
      const count = await client.query(`SELECT count(*) FROM ${ns}.revenue`);
      expect(count.fields[0]!.name).toBe('count');
      await expect(client.query('SELECT * FROM nowhere.nothing')).rejects.toMatchObject({
        code: '42P01',
      });
      await expect(client.query(`CREATE TABLE ${ns}.t (a INT)`)).rejects.toMatchObject({
        code: '42501',
      });
      await expect(client.query(`SELECT nope FROM ${ns}.revenue`)).rejects.toMatchObject({
        code: '42703',
      });
      // The connection survives errors.
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
    const wrong = new pg.Client({ ...servingPgConfig(), password: 'wrong' });
    await expect(wrong.connect()).rejects.toMatchObject({
      code: '28P01',
      message: expect.stringMatching(/password authentication failed/),
    });
  });

  test('TLS is offered: a client verifying the server certificate for 127.0.0.1 connects encrypted', async () => {
    const ca = await readFile(
      join(resolveLayout().data, 'postgres', 'lambdalake-server.crt'),
      'utf8',
    );
    const client = new pg.Client({ ...servingPgConfig(), ssl: { ca, servername: '127.0.0.1' } });
    await client.connect();
    try {
      const { rows } = await client.query<{ ssl: boolean }>(
        'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
      );
      expect(rows).toEqual([{ ssl: true }]);
      expect((await client.query(`SELECT count(*)::int AS n FROM ${ns}.revenue`)).rows[0].n).toBe(
        3,
      );
    } finally {
      await client.end();
    }
  });

  test('the reader role sees the views and nothing else: no internal tables, files, settings, temporary tables or writes', async () => {
    const client = new pg.Client(servingPgConfig());
    await client.connect();
    const refused = (sql: string) =>
      expect(client.query(sql), sql).rejects.toMatchObject({ code: '42501' });
    try {
      await refused('SELECT * FROM __lambdalake.datasets');
      await refused("SELECT pg_read_file('/etc/hostname')");
      await refused("SELECT * FROM pg_ls_dir('.')");
      await refused("COPY (SELECT 1) TO '/tmp/lambdalake-reader-copy'");
      await refused('CREATE TEMP TABLE scratch (a int)');
      await refused("ALTER SYSTEM SET work_mem = '1GB'");
      await refused('SHOW data_directory');
      await refused(`CREATE VIEW ${ns}.mine AS SELECT 1`);
      const { rows } = await client.query<{ schema: string; name: string }>(
        `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND (table_schema = $1 OR table_schema LIKE '\\_\\_%')`,
        [ns],
      );
      // The union view and the schema's drift view, nothing internal.
      expect(rows.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        { schema: ns, name: 'lambdalake_drift' },
        { schema: ns, name: 'revenue' },
      ]);
      // statement_timeout is a real setting here: a query over it ends with 57014.
      await client.query("SET statement_timeout = '200ms'");
      await expect(client.query('SELECT pg_sleep(2)')).rejects.toMatchObject({ code: '57014' });
    } finally {
      await client.end();
    }
  });

  test('one connection repeating one statement sees speed rows arrive and leave (kept statements are not stale)', async () => {
    const client = new pg.Client(servingPgConfig());
    await client.connect();
    // Same text every time, so the server answers from the statement this connection keeps.
    const desks = async () =>
      Number(
        (await client.query(`SELECT count(*) AS n FROM ${ns}.revenue WHERE product = 'desk'`))
          .rows[0].n,
      );
    const waitFor = async (expected: number) => {
      let n = -1;
      for (let i = 0; i < 100 && n !== expected; i++) {
        n = await desks();
        if (n !== expected) await new Promise((r) => setTimeout(r, 100));
      }
      return n;
    };
    try {
      for (let i = 0; i < 3; i++) expect(await desks()).toBe(0);
      const deskKey = key('2026-11-24T11:00:00', 'desk');
      await producer.send({
        topic,
        messages: [
          {
            key: deskKey,
            value: JSON.stringify({
              hour: '2026-11-24T11:00:00',
              product: 'desk',
              revenue: 300,
              orders: 1,
            }),
          },
        ],
      });
      expect(await waitFor(1)).toBe(1);
      await producer.send({ topic, messages: [{ key: deskKey, value: null }] });
      expect(await waitFor(0)).toBe(0);
    } finally {
      await client.end();
    }
  });

  test('a speed value PostgreSQL cannot take is skipped; the rest of its batch and later messages still load', async () => {
    const client = new pg.Client(servingPgConfig());
    await client.connect();
    const products = async () =>
      (
        await client.query<{ product: string }>(
          `SELECT product FROM ${ns}.revenue WHERE product IN ('bad', 'good', 'later') ORDER BY 1`,
        )
      ).rows.map((r) => r.product);
    const waitFor = async (expected: string[]) => {
      let seen: string[] = [];
      for (let i = 0; i < 100 && JSON.stringify(seen) !== JSON.stringify(expected); i++) {
        seen = await products();
        if (JSON.stringify(seen) !== JSON.stringify(expected))
          await new Promise((r) => setTimeout(r, 100));
      }
      return seen;
    };
    try {
      await producer.send({
        topic,
        messages: [
          {
            key: key('2026-11-24T11:00:00', 'bad'),
            value: '{"hour":"2026-11-24T11:00:00","product":"bad","revenue":"abc","orders":1}',
          },
          {
            key: key('2026-11-24T11:00:00', 'good'),
            value: '{"hour":"2026-11-24T11:00:00","product":"good","revenue":1.5,"orders":1}',
          },
        ],
      });
      expect(await waitFor(['good'])).toEqual(['good']);
      await producer.send({
        topic,
        messages: [
          {
            key: key('2026-11-24T11:00:00', 'later'),
            value: '{"hour":"2026-11-24T11:00:00","product":"later","revenue":2,"orders":1}',
          },
          { key: key('2026-11-24T11:00:00', 'good'), value: null },
        ],
      });
      expect(await waitFor(['later'])).toEqual(['later']);
      await producer.send({
        topic,
        messages: [{ key: key('2026-11-24T11:00:00', 'later'), value: null }],
      });
      expect(await waitFor([])).toEqual([]);
    } finally {
      await client.end();
    }
  });

  test("psql (Debian's postgresql-client) lists databases and views, describes the view, reads it and \\copy-s it out", async () => {
    const { port, user, password, database } = servingPgConfig();
    const folder = await mkdtemp(join(tmpdir(), 'lambdalake-psql-'));
    const csv = join(folder, 'revenue.csv');
    try {
      const { stdout } = await promisify(execFile)(
        'psql',
        [
          `postgres://${user}@127.0.0.1:${port}/${database}?sslmode=disable`,
          '-X',
          '-c',
          '\\l',
          '-c',
          `\\dv ${ns}.*`,
          '-c',
          `\\d ${ns}.revenue`,
          '-c',
          `SELECT product, orders FROM ${ns}.revenue ORDER BY orders`,
          '-c',
          `\\copy (SELECT product, revenue FROM ${ns}.revenue ORDER BY orders) TO '${csv}' WITH (FORMAT csv)`,
        ],
        { env: { ...process.env, PGPASSWORD: password }, timeout: 20_000 },
      );
      expect(stdout).toMatch(/lambdalake\s*\|\s*lambdalake_owner/);
      expect(stdout).toMatch(new RegExp(`${ns}\\s*\\|\\s*revenue\\s*\\|\\s*view`));
      expect(stdout).toMatch(/revenue\s*\|\s*numeric\(22,2\)/);
      expect(stdout).toMatch(/hour\s*\|\s*timestamp\(3\) without time zone/);
      expect(stdout).toMatch(/lamp\s*\|\s*1\n\s*lamp\s*\|\s*2\n\s*mug\s*\|\s*3/);
      expect(await readFile(csv, 'utf8')).toBe(
        'lamp,45.50\nlamp,91.00\nmug,12345678901234567.89\n',
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('pgJDBC lists the view and its columns, runs one prepared statement ten times (binary from the fifth) and binds a java.sql.Date', async () => {
    const config = servingPgConfig();
    const sql = `SELECT product, orders, revenue, hour FROM ${ns}.revenue WHERE product = ? ORDER BY orders`;
    const jdbc = await runJdbcProbe({
      ...config,
      schema: ns,
      view: 'revenue',
      sql,
      param: 'lamp',
      dateSql: `SELECT count(*) FROM ${ns}.revenue WHERE CAST(hour AS date) = ?`,
      date: '2026-11-24',
    });
    expect(jdbc.server).toMatch(/^PostgreSQL/);
    expect(jdbc.tables).toEqual([
      { schema: ns, name: 'lambdalake_drift', type: 'VIEW' },
      { schema: ns, name: 'revenue', type: 'VIEW' },
    ]);
    expect(jdbc.columns).toEqual([
      { name: 'hour', type: 'timestamp' },
      { name: 'product', type: 'text' },
      { name: 'revenue', type: 'numeric' },
      { name: 'orders', type: 'int8' },
    ]);
    const first = [
      ['lamp', '1', '45.50', '2026-11-24 09:00:00'],
      ['lamp', '2', '91.00', '2026-11-24 10:00:00'],
    ];
    expect(jdbc.runs.size).toBe(10);
    for (const [, rows] of jdbc.runs) expect(rows).toEqual(first);
    expect(jdbc.date).toBe('3');
  }, 90_000);

  test('Python clients (psycopg 3 binary, named cursor and COPY; SQLAlchemy 2 inspect; asyncpg binary parameters; ADBC Arrow) get the right answers', async () => {
    const { port, user, password, database } = servingPgConfig();
    const stdout = await runPython('sqlClients.py', [
      '127.0.0.1',
      String(port),
      user,
      password,
      database,
      ns,
      'revenue',
    ]);
    const out = JSON.parse(stdout) as Record<string, Record<string, unknown>>;
    expect(out.psycopg).toEqual({
      binaryCount: 2,
      dateCount: 3,
      tzCount: 2,
      maxRevenue: '12345678901234567.89',
      namedCursor: ['lamp', 'lamp', 'mug'],
      copy: [
        ['lamp', '45.50'],
        ['lamp', '91.00'],
        ['mug', '12345678901234567.89'],
      ],
      grafanaTables: expect.arrayContaining([`${ns}.revenue`]),
    });
    expect((out.psycopg!.grafanaTables as string[]).some((t) => t.startsWith('__'))).toBe(false);
    expect(out.sqlalchemy).toEqual({
      count: 2,
      views: ['lambdalake_drift', 'revenue'],
      columns: [
        { name: 'hour', type: 'TIMESTAMP' },
        { name: 'product', type: 'TEXT' },
        { name: 'revenue', type: 'NUMERIC(22, 2)' },
        { name: 'orders', type: 'BIGINT' },
      ],
    });
    expect(out.asyncpg).toEqual({ count: 2, maxRevenue: '12345678901234567.89', before10: 1 });
    expect(out.adbc).toEqual({
      rows: 3,
      types: {
        hour: 'timestamp[us]',
        product: 'string',
        revenue: expect.stringMatching(/numeric|decimal/),
        orders: 'int64',
      },
      products: ['lamp', 'lamp', 'mug'],
      revenue: ['45.50', '91.00', '12345678901234567.89'],
    });
  }, 90_000);

  test('a CancelRequest interrupts a running query with SQLSTATE 57014', async () => {
    const client = new pg.Client(servingPgConfig());
    await client.connect();
    try {
      // The expectation is attached before anything is awaited: the query may reject while the
      // cancel socket is still closing, and a rejection with no handler yet fails the whole run.
      const cancelled = expect(client.query('SELECT pg_sleep(30)')).rejects.toMatchObject({
        code: '57014',
      });
      await new Promise((r) => setTimeout(r, 300));
      const { processID, secretKey } = client as unknown as {
        processID: number;
        secretKey: number;
      };
      await new Promise<void>((resolve, reject) => {
        const socket = connect(servingPgConfig().port, '127.0.0.1', () => {
          const message = Buffer.alloc(16);
          message.writeInt32BE(16, 0);
          message.writeInt32BE(80877102, 4);
          message.writeInt32BE(processID, 8);
          message.writeInt32BE(secretKey, 12);
          socket.end(message);
        });
        socket.on('close', () => resolve());
        socket.on('error', reject);
      });
      await cancelled;
    } finally {
      await client.end();
    }
  }, 30_000);

  test('tombstones delete, and switching the cutover moves rows below it to the batch side in one step', async () => {
    await producer.send({
      topic,
      messages: [{ key: key('2026-11-24T10:00:00', 'mug'), value: null }],
    });
    const count = async () =>
      (await reader.post('/api/v3/sql', { sql: `SELECT count(*) AS n FROM ${ns}.revenue` })).data
        .id as string;
    const deadline = Date.now() + 20_000;
    let n = -1;
    while (Date.now() < deadline && n !== 2) {
      const id = await count();
      for (let i = 0; i < 50; i++) {
        const job = await reader.get(`/api/v3/job/${id}`);
        if (job.data.jobState !== 'RUNNING') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      n = (await reader.get(`/api/v3/job/${id}/results`)).data.rows[0].n;
      if (n !== 2) await new Promise((r) => setTimeout(r, 300));
    }
    expect(n).toBe(2);

    const current = (await reader.get(`/api/v3/catalog/by-path/${ns}/revenue`)).data;
    const stale = await http.put(`/api/v3/catalog/${current.id}`, {
      ...unionView('2026-11-24T10:00:00Z'),
      tag: 'not-the-tag',
    });
    expect(stale.status).toBe(409);
    const replaced = await http.put(`/api/v3/catalog/${current.id}`, {
      ...unionView('2026-11-24T10:00:00Z'),
      tag: current.tag,
    });
    expect(replaced.status).toBe(200);
    expect(replaced.data.tag).not.toBe(current.tag);
    // Drift of the windows that moved to the batch side (09:00): the speed row had no batch row.
    expect(replaced.data.drift).toMatchObject({
      previousCutover: '2026-11-24T09:00:00.000Z',
      cutover: '2026-11-24T10:00:00.000Z',
      windowsCompared: 0,
      windowsOnlySpeed: 1,
      windowsOnlyBatch: 0,
    });
    expect(replaced.data.drift.measures.map((m: { measure: string }) => m.measure)).toEqual([
      'revenue',
      'orders',
    ]);
    expect(replaced.data.drift.measures[0].examples).toEqual([
      { hour: '2026-11-24T09:00:00', product: 'lamp', speed: 45.5, batch: null },
    ]);
    const drift = await reader.post('/api/v3/sql', {
      sql: `SELECT metric, measure, windows_only_speed FROM ${ns}.lambdalake_drift ORDER BY measure`,
    });
    for (let i = 0; i < 50; i++) {
      if ((await reader.get(`/api/v3/job/${drift.data.id}`)).data.jobState !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await reader.get(`/api/v3/job/${drift.data.id}/results`)).data.rows).toEqual([
      { metric: 'revenue', measure: 'orders', windows_only_speed: 1 },
      { metric: 'revenue', measure: 'revenue', windows_only_speed: 1 },
    ]);
    // The same drift on /metrics, read with Prometheus' own text-format parser.
    const scraped = await axios.get<string>(`http://127.0.0.1:${port}/metrics`, {
      responseType: 'text',
    });
    const samples = JSON.parse(await runPython('parseMetrics.py', [], scraped.data)) as {
      name: string;
      labels: Record<string, string>;
      value: number;
    }[];
    const sample = (name: string, labels: Record<string, string> = {}) =>
      samples.find(
        (x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v),
      )?.value;
    expect(
      sample('lambdalake_drift_windows_one_side', {
        schema: ns,
        metric: 'revenue',
        measure: 'orders',
      }),
    ).toBe(1);
    expect(
      sample('lambdalake_publication_cutover_timestamp_seconds', { dataset: `${ns}.revenue` }),
    ).toBe(Date.parse('2026-11-24T10:00:00Z') / 1000);
    expect(sample('lambdalake_loader_active')).toBe(1);
    expect(
      sample('lambdalake_http_query_duration_seconds_count', { endpoint: 'sql', outcome: 'ok' }),
    ).toBeGreaterThan(0);
    // The batch side is empty: the 09:00 speed row is below the new cutover and no longer served.
    const arrow = await reader.post(
      '/api/v3/query/arrow',
      { sql: `SELECT hour, product, revenue, orders FROM ${ns}.revenue ORDER BY hour` },
      { responseType: 'arraybuffer' },
    );
    expect(arrow.headers['content-type']).toBe('application/vnd.apache.arrow.stream');
    const table = tableFromIPC(new Uint8Array(arrow.data as ArrayBuffer));
    expect(table.numRows).toBe(1);
    const revenue = table.getChild('revenue')!;
    expect(revenue.type).toBeInstanceOf(Decimal);
    expect({ scale: revenue.type.scale, precision: revenue.type.precision }).toEqual({
      scale: 2,
      precision: 22,
    });
    expect(String(revenue.get(0))).toBe('9100');
    expect(table.getChild('hour')!.get(0)).toBe(Date.parse('2026-11-24T10:00:00Z'));
    expect(table.getChild('product')!.get(0)).toBe('lamp');
    expect(table.getChild('orders')!.get(0)).toBe(2n);
  });

  test('a cutover moved back (a backfill) serves the evicted speed rows again, rebuilt from the topic', async () => {
    const client = new pg.Client(servingPgConfig());
    await client.connect();
    const rows = async () =>
      (
        await client.query(
          `SELECT to_char(hour, 'HH24:MI') AS h, product, orders FROM ${ns}.revenue ORDER BY 1, 2`,
        )
      ).rows;
    // Moving back to an earlier definition is a new tag all the same: a tag never comes back.
    const tags = new Set<string>();
    const moveCutover = async (cutover: string) => {
      const current = (await reader.get(`/api/v3/catalog/by-path/${ns}/revenue`)).data;
      tags.add(current.tag);
      const replaced = await http.put(`/api/v3/catalog/${current.id}`, {
        ...unionView(cutover),
        tag: current.tag,
      });
      expect(replaced.status).toBe(200);
      expect(tags.has(replaced.data.tag)).toBe(false);
      tags.add(replaced.data.tag);
    };
    try {
      // The previous test moved the cutover to 10:00, which evicted the 09:00 speed row.
      expect(await rows()).toEqual([{ h: '10:00', product: 'lamp', orders: '2' }]);
      await moveCutover('2026-11-24T08:00:00Z');
      expect(await rows()).toEqual([
        { h: '09:00', product: 'lamp', orders: '1' },
        { h: '10:00', product: 'lamp', orders: '2' },
      ]);
      // Still consumed: a new speed row shows up in the rebuilt table.
      await producer.send({
        topic,
        messages: [
          {
            key: key('2026-11-24T08:00:00', 'lamp'),
            value: JSON.stringify({
              hour: '2026-11-24T08:00:00',
              product: 'lamp',
              revenue: 10,
              orders: 7,
            }),
          },
        ],
      });
      let seen: unknown[] = [];
      for (let i = 0; i < 100 && seen.length !== 3; i++) {
        seen = await rows();
        if (seen.length !== 3) await new Promise((r) => setTimeout(r, 100));
      }
      expect(seen).toEqual([
        { h: '08:00', product: 'lamp', orders: '7' },
        { h: '09:00', product: 'lamp', orders: '1' },
        { h: '10:00', product: 'lamp', orders: '2' },
      ]);
      await moveCutover('2026-11-24T10:00:00Z');
      expect(await rows()).toEqual([{ h: '10:00', product: 'lamp', orders: '2' }]);
    } finally {
      await client.end();
    }
  });

  test('exactly one loader is active; when it dies a standby takes over and resumes from the offsets stored with the rows, replaying nothing', async () => {
    const base = servingConfig();
    second = await startServing(
      { ...base, httpPort: base.httpPort + 1000, refreshMs: 60_000 },
      () => undefined,
    );
    // The stack's serving holds the loader lock; the second replica stands by but answers HTTP.
    expect(second.loader.isLeader).toBe(false);
    const other = axios.create({
      baseURL: `http://127.0.0.1:${base.httpPort + 1000}`,
      validateStatus: () => true,
      auth: { username: 'lambdalake', password: 'lambdalake' },
    });
    expect((await other.get(`/api/v3/catalog/by-path/${ns}/revenue`)).status).toBe(200);

    const servingPid = (await stackStatus()).find((s) => s.name === 'serving')?.pid;
    expect(servingPid).toBeTruthy();
    process.kill(servingPid!, 'SIGKILL');
    for (let i = 0; i < 150 && !second.loader.isLeader; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(second.loader.isLeader).toBe(true);

    await producer.send({
      topic,
      messages: [
        {
          key: key('2026-11-24T12:00:00', 'vase'),
          value: JSON.stringify({
            hour: '2026-11-24T12:00:00',
            product: 'vase',
            revenue: 5,
            orders: 9,
          }),
        },
      ],
    });
    const client = new pg.Client(servingPgConfig());
    await client.connect();
    try {
      // The new loader resumes every speed table of the store at once; on a loaded machine with
      // many tables that takes a few seconds.
      let rows: unknown[] = [];
      for (let i = 0; i < 600 && rows.length === 0; i++) {
        rows = (
          await client.query(`SELECT product, orders FROM ${ns}.revenue WHERE product = 'vase'`)
        ).rows;
        if (rows.length === 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(rows).toEqual([{ product: 'vase', orders: '9' }]);
      // Only the one new message was applied by the new loader: the topic was not replayed.
      const applied = second.loader
        .stats()
        .tables.filter((t) => t.topic === topic)
        .map((t) => t.applied);
      expect(applied.reduce((a, b) => a + b, 0)).toBe(1);
    } finally {
      await client.end();
    }
    await stackUp(silentProgress);
    await second.close();
    second = null;

    const removed = await http.delete(
      `/api/v3/catalog/${(await reader.get(`/api/v3/catalog/by-path/${ns}/revenue`)).data.id}`,
    );
    expect(removed.status).toBe(204);
    expect((await reader.get(`/api/v3/catalog/by-path/${ns}/revenue`)).status).toBe(404);
    const gone = new pg.Client(servingPgConfig());
    await gone.connect();
    try {
      await expect(gone.query(`SELECT * FROM ${ns}.revenue`)).rejects.toMatchObject({
        code: '42P01',
      });
    } finally {
      await gone.end();
    }
  }, 120_000);
});
