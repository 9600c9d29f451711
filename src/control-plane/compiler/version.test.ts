import { expect, test } from 'vitest';
import { normalizeSql } from './version.ts';

test('formatting and comments do not change normalized SQL; literals do', () => {
  const a = "SELECT  x,\n  -- note\n  COUNT(*) FILTER (WHERE a = 'b  c') AS n\nFROM t";
  const b = "SELECT x, COUNT(*) FILTER (WHERE a = 'b  c') AS n FROM t";
  expect(normalizeSql(a)).toBe(normalizeSql(b));
  expect(normalizeSql(b)).toBe("SELECT x, COUNT(*) FILTER (WHERE a = 'b  c') AS n FROM t");
  expect(normalizeSql(b.replace("'b  c'", "'b c'"))).not.toBe(normalizeSql(b));
});
