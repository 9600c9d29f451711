import { expect, test } from 'vitest';
import { resolveLayout } from '../layout.ts';
import { resolvePorts } from '../ports.ts';
import { localS3Settings } from '../warehouseMode.ts';
import { containerSpec } from './containerSpec.ts';

const layout = resolveLayout({ LAMBDALAKE_HOME: '/h', LAMBDALAKE_RUN_DIR: '/r' });
const ports = resolvePorts({ LAMBDALAKE_PORT_OFFSET: '6000' });
const ctx = { layout, ports, bindHost: '127.0.0.1', s3: localS3Settings(ports) };

test('a JVM service runs its process command line in its official image, with the image’s java, the run folder and the artifact cache at their host paths', () => {
  const spec = containerSpec(
    ctx,
    'kafka',
    {
      command: '/usr/lib/jvm/java-17/bin/java',
      args: ['-Dlambdalake.service=kafka@/r', '-cp', '/h/cache/kafka/*', 'kafka.Kafka'],
      env: { KAFKA_HEAP_OPTS: '-Xmx512m' },
      cwd: '/r',
    },
    '/r/logs/kafka.out',
  );
  expect(spec).toEqual({
    name: `lambdalake-${ports.kafka}-kafka`,
    image: 'docker.io/apache/kafka:4.2.0',
    entrypoint: [
      '/bin/sh',
      '-c',
      'log="$1"; shift; exec "$@" >>"$log" 2>&1',
      'sh',
      '/r/logs/kafka.out',
      'java',
      '-Dlambdalake.service=kafka@/r',
      '-cp',
      '/h/cache/kafka/*',
      'kafka.Kafka',
    ],
    command: [],
    env: { KAFKA_HEAP_OPTS: '-Xmx512m' },
    binds: [
      { path: '/r', readOnly: false },
      { path: '/h/cache', readOnly: true },
    ],
    workingDir: '/r',
    labels: { 'io.lambdalake.run': '/r', 'io.lambdalake.service': 'kafka' },
  });
});

test('PostgreSQL is configured through its image’s own variables, on the stack’s port, loopback only, data in the run folder', () => {
  const spec = containerSpec(
    ctx,
    'postgres',
    { command: 'postgres', args: [], env: {}, cwd: '/' },
    '/r/logs/postgres.out',
  );
  expect(spec.image).toBe('docker.io/library/postgres:15-bookworm');
  expect(spec.entrypoint).toEqual([
    '/bin/sh',
    '-c',
    'log="$1"; shift; exec "$@" >>"$log" 2>&1',
    'sh',
    '/r/logs/postgres.out',
    'docker-entrypoint.sh',
  ]);
  expect(spec.env).toEqual({
    POSTGRES_USER: 'lambdalake_owner',
    POSTGRES_PASSWORD: 'lambdalake-owner',
    POSTGRES_DB: 'postgres',
    PGDATA: '/r/data/postgres-container',
  });
  expect(spec.command.join(' ')).toContain(
    `postgres -c port=${ports.servingPostgres} -c listen_addresses=127.0.0.1`,
  );
  expect(spec.command.at(-1)).toBe('--lambdalake.service=postgres@/r');
});

test('MinIO runs the image’s binary with the process stack’s arguments, its marker as argv[0]', () => {
  const spec = containerSpec(
    ctx,
    's3',
    {
      command: '/h/cache/minio-x/minio',
      argv0: '-Dlambdalake.service=s3@/r',
      args: ['server', '/r/data/s3', '--address', `127.0.0.1:${ports.s3}`],
      env: { MINIO_ROOT_USER: 'lambdalake' },
      cwd: '/r',
    },
    '/r/logs/s3.out',
  );
  expect(spec.image).toBe('docker.io/minio/minio:latest');
  expect(spec.command).toEqual([
    '/r/logs/s3.out',
    '-Dlambdalake.service=s3@/r',
    '/usr/bin/minio',
    'server',
    '/r/data/s3',
    '--address',
    `127.0.0.1:${ports.s3}`,
  ]);
  expect(spec.env).toEqual({ MINIO_ROOT_USER: 'lambdalake' });
});
