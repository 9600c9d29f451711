import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_PORTS } from '../ports.ts';
import { DEFAULT_BIND_HOST, DEFAULT_HEAPS } from '../stackContext.ts';
import { localS3Settings } from '../warehouseMode.ts';
import { flinkConfigYaml, parseBashJavaUtilsOutput } from './flinkConfig.ts';

const layout = {
  home: '/h',
  cache: '/h/cache',
  run: '/h/run',
  logs: '/h/run/logs',
  data: '/h/run/data',
  conf: '/h/run/conf',
};

describe('flinkConfigYaml', () => {
  const config = parse(
    flinkConfigYaml({
      ports: DEFAULT_PORTS,
      heaps: DEFAULT_HEAPS,
      taskSlots: 12,
      layout,
      bindHost: DEFAULT_BIND_HOST,
      s3: null,
    }),
  ) as Record<string, unknown>;

  test('binds every endpoint to loopback', () => {
    for (const key of [
      'jobmanager.bind-host',
      'taskmanager.bind-host',
      'rest.bind-address',
      'sql-gateway.endpoint.rest.bind-address',
    ]) {
      expect(config[key]).toBe('127.0.0.1');
    }
  });

  test('carries ports, slots, memory and the checkpoint folder', () => {
    expect(config['rest.port']).toBe(DEFAULT_PORTS.flinkRest);
    expect(config['sql-gateway.endpoint.rest.port']).toBe(DEFAULT_PORTS.sqlGateway);
    expect(config['taskmanager.numberOfTaskSlots']).toBe(12);
    expect(config['taskmanager.memory.process.size']).toBe(DEFAULT_HEAPS.taskManagerProcess);
    expect(config['execution.checkpointing.dir']).toBe(
      'file:///h/run/data/flink-checkpoints/checkpoints',
    );
  });
});

test('in the S3 warehouse mode, checkpoints go to the bucket and S3A gets endpoint, path style and keys', () => {
  const s3 = localS3Settings(DEFAULT_PORTS);
  const config = parse(
    flinkConfigYaml({
      ports: DEFAULT_PORTS,
      heaps: DEFAULT_HEAPS,
      taskSlots: 1,
      layout,
      bindHost: DEFAULT_BIND_HOST,
      s3,
    }),
  ) as Record<string, unknown>;
  expect(config['execution.checkpointing.dir']).toBe(
    's3://lambdalake/flink-checkpoints/checkpoints',
  );
  expect(config['execution.checkpointing.savepoint-dir']).toBe(
    's3://lambdalake/flink-checkpoints/savepoints',
  );
  expect(config).toMatchObject({
    's3.endpoint': 'http://127.0.0.1:19000',
    's3.path.style.access': true,
    's3.access-key': s3.accessKeyId,
    's3.secret-key': s3.secretAccessKey,
  });
});

describe('parseBashJavaUtilsOutput', () => {
  test('takes the JVM flags and the dynamic properties from the two result lines', () => {
    const output = [
      'INFO  [] - Final TaskExecutor Memory configuration:',
      'BASH_JAVA_UTILS_EXEC_RESULT:-Xmx469762039 -Xms469762039 -XX:MaxDirectMemorySize=255013685',
      'BASH_JAVA_UTILS_EXEC_RESULT:-D taskmanager.memory.network.min=120795957b -D taskmanager.cpu.cores=8.0',
    ].join('\n');
    expect(parseBashJavaUtilsOutput(output)).toEqual({
      jvmArgs: ['-Xmx469762039', '-Xms469762039', '-XX:MaxDirectMemorySize=255013685'],
      dynamicArgs: [
        '-D',
        'taskmanager.memory.network.min=120795957b',
        '-D',
        'taskmanager.cpu.cores=8.0',
      ],
    });
  });

  test('fails with the tool output when a result line is missing', () => {
    expect(() => parseBashJavaUtilsOutput('Exception in thread "main"')).toThrow(
      /printed 0 result line\(s\), expected 2/,
    );
  });
});
