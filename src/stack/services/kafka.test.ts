import { expect, test } from 'vitest';
import { DEFAULT_PORTS } from '../ports.ts';
import { DEFAULT_BIND_HOST } from '../stackContext.ts';
import { kafkaServerProperties } from './kafka.ts';

test('a single KRaft node listens on loopback with replication factors of one', () => {
  const layout = {
    home: '/h',
    cache: '/c',
    run: '/r',
    logs: '/r/logs',
    data: '/r/data',
    conf: '/r/conf',
  };
  const props = Object.fromEntries(
    kafkaServerProperties({ ports: DEFAULT_PORTS, layout, bindHost: DEFAULT_BIND_HOST })
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  expect(props['process.roles']).toBe('broker,controller');
  expect(props['listeners']).toBe(
    `PLAINTEXT://127.0.0.1:${DEFAULT_PORTS.kafka},CONTROLLER://127.0.0.1:${DEFAULT_PORTS.kafkaController}`,
  );
  expect(props['offsets.topic.replication.factor']).toBe('1');
  expect(props['share.coordinator.state.topic.replication.factor']).toBe('1');
  expect(props['log.dirs']).toBe('/r/data/kafka');
});
