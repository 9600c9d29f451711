import { describe, expect, test } from 'vitest';
import { icebergTypeOfFlink, numericTypmod, postgresType, typeName } from './pgTypes.ts';

describe('serving types', () => {
  test('Flink column types map to exact PostgreSQL types', () => {
    expect(postgresType('DECIMAL(22, 2)')).toBe('numeric(22,2)');
    expect(postgresType('TIMESTAMP(3)')).toBe('timestamp(3)');
    expect(postgresType('TIMESTAMP_LTZ(3)')).toBe('timestamptz(3)');
    expect(postgresType('STRING')).toBe('text');
    expect(postgresType('BIGINT')).toBe('bigint');
    expect(postgresType('FLOAT')).toBe('real');
  });

  test('an unserved type names itself and what is accepted', () => {
    expect(() => postgresType('MAP<STRING, INT>')).toThrow(
      /MAP<STRING, INT> is not served: use a numeric, decimal/,
    );
  });

  test('numeric type modifiers decode to precision and scale', () => {
    // numeric(22,2): ((22 << 16) | 2) + 4
    expect(numericTypmod(((22 << 16) | 2) + 4)).toEqual({ precision: 22, scale: 2 });
    expect(numericTypmod(-1)).toBeNull();
    expect(typeName(1700, ((22 << 16) | 2) + 4)).toBe('DECIMAL(22,2)');
  });

  test('union view columns get Iceberg types', () => {
    expect(icebergTypeOfFlink('DECIMAL(22,2)')).toBe('decimal(22, 2)');
    expect(icebergTypeOfFlink('TIMESTAMP(3)')).toBe('timestamp');
    expect(icebergTypeOfFlink('INT')).toBe('int');
  });
});
