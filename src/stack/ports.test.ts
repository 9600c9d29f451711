import { describe, expect, test } from 'vitest';
import { DEFAULT_PORTS, resolvePorts } from './ports.ts';

describe('resolvePorts', () => {
  test('defaults when nothing is set', () => {
    expect(resolvePorts({})).toEqual(DEFAULT_PORTS);
  });

  test('an offset shifts every port, and a single override wins over the offset', () => {
    const ports = resolvePorts({ LAMBDALAKE_PORT_OFFSET: '1000', LAMBDALAKE_KAFKA_PORT: '29092' });
    expect(ports.kafka).toBe(29092);
    expect(ports.flinkRest).toBe(DEFAULT_PORTS.flinkRest + 1000);
    expect(ports.servingPostgres).toBe(DEFAULT_PORTS.servingPostgres + 1000);
  });

  test('a bad port names the variable and the accepted range', () => {
    expect(() => resolvePorts({ LAMBDALAKE_PG_PORT: 'abc' })).toThrow(
      'LAMBDALAKE_PG_PORT=abc is not a valid port: expected an integer from 1 to 65535',
    );
  });
});
