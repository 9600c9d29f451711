import { DuckDBInstance } from '@duckdb/node-api';
import { expect, test } from 'vitest';
import { pgFormatTypeSql, pgTypeOid, pgTypeOidSql } from './pgTypes.ts';

const DUCK_TYPES = [
  'BOOLEAN',
  'TINYINT',
  'UTINYINT',
  'SMALLINT',
  'USMALLINT',
  'INTEGER',
  'UINTEGER',
  'BIGINT',
  'UBIGINT',
  'HUGEINT',
  'FLOAT',
  'DOUBLE',
  'DECIMAL(22,2)',
  'VARCHAR',
  'DATE',
  'TIME',
  'TIMESTAMP',
  'TIMESTAMP_MS',
  'TIMESTAMP WITH TIME ZONE',
  'INTERVAL',
  'BLOB',
  'UUID',
  'VARCHAR[]',
];

test('the wire and the catalog shims report the same Postgres type for every DuckDB type', async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const values = DUCK_TYPES.map((t) => `('${t}')`).join(', ');
    const reader = await connection.runAndReadAll(
      `SELECT data_type, ${pgTypeOidSql('data_type')} AS oid FROM (VALUES ${values}) t(data_type)`,
    );
    for (const [duckType, oid] of reader.getRows())
      expect([duckType, Number(oid)]).toEqual([duckType, pgTypeOid(String(duckType))]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
});

test('integers wider than their signed Postgres counterpart are numeric, not truncated', () => {
  expect(pgTypeOid('HUGEINT')).toBe(1700); // what sum(BIGINT) returns
  expect(pgTypeOid('UBIGINT')).toBe(1700);
  expect(pgTypeOid('UINTEGER')).toBe(20);
  expect(pgTypeOid('BIGINT')).toBe(20);
  expect(pgTypeOid('TIMESTAMP WITH TIME ZONE')).toBe(1184);
  expect(pgTypeOid('TIMESTAMP')).toBe(1114);
});

test('format_type spells types as Postgres does, numeric with its precision and scale', async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const typmod = ((22 << 16) | 2) + 4;
    const reader = await connection.runAndReadAll(
      `SELECT ${pgFormatTypeSql('o', 'm')} FROM (VALUES (1700, ${typmod}), (1700, -1), (1114, -1), (1043, -1), (25, -1)) t(o, m)`,
    );
    expect(reader.getRows().map((r) => r[0])).toEqual([
      'numeric(22,2)',
      'numeric',
      'timestamp without time zone',
      'character varying',
      'text',
    ]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
});
