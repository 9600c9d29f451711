import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  FlinkStatementError,
  FlinkUnreachableError,
  SqlGatewayClient,
  type Session,
} from '../../src/flink/index.ts';
import { stackEndpoints } from './stack.ts';

const batch = { executionConfig: { 'execution.runtime-mode': 'batch' } };

describe('the SQL Gateway client against the real gateway', () => {
  let client: SqlGatewayClient;
  let session: Session;
  beforeAll(async () => {
    client = new SqlGatewayClient({ url: stackEndpoints().sqlGatewayUrl });
    session = await client.openSession({ name: 'flink-client-test' });
  });
  afterAll(async () => client.closeSession(session));

  test('negotiates the newest REST API version the gateway offers', async () => {
    expect(await client.apiVersion()).toBe('v4');
  });

  test('DDL creates a table the session can then describe', async () => {
    await client.executeStatement(
      session,
      "CREATE TEMPORARY TABLE gen (id BIGINT, name STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '3')",
    );
    const described = await client.executeStatement(session, 'DESCRIBE gen');
    expect(described.rows.map((r) => [r.values.name, r.values.type])).toEqual([
      ['id', 'BIGINT'],
      ['name', 'STRING'],
    ]);
  });

  test('batch query rows convert timestamps, decimals, nulls, arrays, maps and rows faithfully', async () => {
    const result = await client.executeStatement(
      session,
      `SELECT TIMESTAMP '2026-11-01 10:00:00.123' AS ts, CAST(TIMESTAMP '2026-11-01 10:00:00.123' AS TIMESTAMP_LTZ(3)) AS ltz,
              CAST(12345678901234567.89 AS DECIMAL(20,2)) AS amount, CAST(NULL AS STRING) AS nothing, ARRAY[1,2,3] AS arr,
              MAP['a', 1, 'b', 2] AS mp, ROW('x', 1) AS rw, CAST(9007199254740993 AS BIGINT) AS big, DATE '2026-11-01' AS dt`,
      batch,
    );
    expect(result.jobId).toMatch(/^[0-9a-f]{32}$/);
    const [row] = result.rows;
    expect(row?.kind).toBe('INSERT');
    expect(row?.values).toEqual({
      ts: '2026-11-01T10:00:00.123',
      ltz: '2026-11-01T10:00:00.123Z',
      amount: '12345678901234567.89',
      nothing: null,
      arr: [1, 2, 3],
      mp: new Map([
        ['a', 1],
        ['b', 2],
      ]),
      rw: { EXPR$0: 'x', EXPR$1: 1 },
      big: 9007199254740993n,
      dt: '2026-11-01',
    });
  });

  test('a script with semicolons inside strings runs statement by statement', async () => {
    const results = await client.runScript(
      session,
      "CREATE TEMPORARY VIEW semis AS SELECT 'a;b' AS s UNION ALL SELECT 'c''d;' AS s;\n-- comment; here\nSELECT s FROM semis ORDER BY s;",
      batch,
    );
    expect(results).toHaveLength(2);
    expect(results[1]?.rows.map((r) => r.values.s)).toEqual(['a;b', "c'd;"]);
  });

  test('a syntax error leads with the parser message and keeps the statement', async () => {
    const error = await client.executeStatement(session, 'SELEC 1', batch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlinkStatementError);
    expect((error as FlinkStatementError).message).toMatch(/^SqlParse(r)?Exception: /);
    expect((error as FlinkStatementError).statement).toBe('SELEC 1');
    expect((error as FlinkStatementError).serverText).toContain('Caused by');
  });

  test('an unknown table is a validation error naming it', async () => {
    const error = await client
      .executeStatement(session, 'SELECT * FROM no_such_table', batch)
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^ValidationException: .*no_such_table/);
  });

  test('an unknown connector names the connector', async () => {
    await client.executeStatement(
      session,
      "CREATE TEMPORARY TABLE bad (x INT) WITH ('connector' = 'no-such-connector')",
    );
    const error = await client
      .executeStatement(session, 'SELECT * FROM bad', batch)
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain('no-such-connector');
  });

  test('an unreachable gateway is reported with its URL', async () => {
    const nowhere = new SqlGatewayClient({ url: 'http://127.0.0.1:1', requestTimeoutMs: 2000 });
    const error = await nowhere.apiVersion().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlinkUnreachableError);
    expect((error as Error).message).toContain('http://127.0.0.1:1/api_versions');
  });
});
