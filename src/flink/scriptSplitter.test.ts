import { expect, test } from 'vitest';
import { splitScript } from './scriptSplitter.ts';

test('semicolons inside strings, identifiers and comments do not split', () => {
  const script = [
    "SET 'pipeline.name' = 'a;b';",
    '-- a comment; with a semicolon',
    "CREATE TEMPORARY VIEW v AS SELECT 'it''s; fine' AS `weird;name` FROM t; /* block; */",
    'SELECT "x;y" FROM v',
  ].join('\n');
  expect(splitScript(script)).toEqual([
    { sql: "SET 'pipeline.name' = 'a;b'", line: 1 },
    {
      sql: "-- a comment; with a semicolon\nCREATE TEMPORARY VIEW v AS SELECT 'it''s; fine' AS `weird;name` FROM t",
      line: 2,
    },
    { sql: '/* block; */\nSELECT "x;y" FROM v', line: 3 },
  ]);
});

test('a statement set stays one statement', () => {
  const script =
    'BEGIN STATEMENT SET;\nINSERT INTO a SELECT 1;\nINSERT INTO b SELECT 2;\nEND;\nSELECT 3;';
  const parts = splitScript(script);
  expect(parts.map((p) => p.sql)).toEqual([
    'BEGIN STATEMENT SET;\nINSERT INTO a SELECT 1;\nINSERT INTO b SELECT 2;\nEND',
    'SELECT 3',
  ]);
  expect(parts[1]?.line).toBe(5);
});

test('an EXECUTE STATEMENT SET BEGIN ... END block stays one statement', () => {
  const script =
    "EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO a SELECT ';';\nINSERT INTO b SELECT 2;\nEND;\nSELECT 3;";
  expect(splitScript(script).map((p) => p.sql)).toEqual([
    "EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO a SELECT ';';\nINSERT INTO b SELECT 2;\nEND",
    'SELECT 3',
  ]);
});

test('empty statements and trailing comments are dropped', () => {
  expect(splitScript(';;\n-- only a comment\n')).toEqual([]);
});
