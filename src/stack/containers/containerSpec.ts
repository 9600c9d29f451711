import { basename, join } from 'node:path';
import { LOCAL_POSTGRES_OWNER } from '../services/postgres.ts';
import { serviceMarker, type LaunchSpec, type ServiceName } from '../services/serviceDefinition.ts';
import type { StackContext } from '../stackContext.ts';
import { STACK_IMAGES } from '../versions.ts';

/** How to run one service as a container: what `docker run` would be given. */
export interface ContainerSpec {
  /** A stable name per run folder, so a second `up` finds the container the first one started. */
  name: string;
  image: string;
  /** Replaces the image's entrypoint; undefined keeps it. */
  entrypoint?: string[];
  command: string[];
  env: Record<string, string>;
  /** Host folders mounted at the same paths, so generated configs and data paths stay valid. */
  binds: { path: string; readOnly: boolean }[];
  workingDir?: string;
  labels: Record<string, string>;
}

/** The label that ties a container to the run folder whose stack started it. */
export const RUN_LABEL = 'io.lambdalake.run';

/** Where the containerised PostgreSQL keeps its data (the image's entrypoint initialises it). */
export function containerPostgresData(ctx: Pick<StackContext, 'layout'>): string {
  return join(ctx.layout.data, 'postgres-container');
}

function containerName(ctx: Pick<StackContext, 'ports'>, service: ServiceName): string {
  // Ports are unique per stack on a host (LAMBDALAKE_PORT_OFFSET), so the Kafka port names a stack.
  return `lambdalake-${ctx.ports.kafka}-${service}`;
}

/**
 * Appends the service's output to its log file in the run folder (mounted), as the process stack
 * does, so `stack logs` reads both alike. `exec` keeps the service as the container's main process.
 */
function logged(command: string[], logFile: string): string[] {
  return ['/bin/sh', '-c', 'log="$1"; shift; exec "$@" >>"$log" 2>&1', 'sh', logFile, ...command];
}

/**
 * The container for a service, from the launch spec the process stack would spawn. The JVM services
 * run that same command line (jars from the artifact cache, configs from the run folder, both
 * mounted at their host paths) in the official image of the service, which brings the Java runtime.
 * PostgreSQL and MinIO are run through their images' own interfaces (POSTGRES_* variables; `minio
 * server`), since their process launchers use host binaries and a host account.
 */
export function containerSpec(
  ctx: Pick<StackContext, 'layout' | 'ports' | 'bindHost' | 's3'>,
  service: ServiceName,
  launch: LaunchSpec,
  logFile: string,
): ContainerSpec {
  const common = {
    name: containerName(ctx, service),
    labels: { [RUN_LABEL]: ctx.layout.run, 'io.lambdalake.service': service },
  };
  const run = { path: ctx.layout.run, readOnly: false };
  if (service === 'postgres') {
    return {
      ...common,
      image: STACK_IMAGES.postgres,
      // The image's own entrypoint (it initialises PGDATA), its output appended to the log file.
      entrypoint: logged(['docker-entrypoint.sh'], logFile),
      command: [
        'postgres',
        '-c',
        `port=${ctx.ports.servingPostgres}`,
        '-c',
        `listen_addresses=${ctx.bindHost}`,
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=200',
        '-c',
        'synchronous_commit=off',
        '-c',
        'jit=off',
        serviceMarker(ctx.layout.run, 'postgres'),
      ],
      env: {
        POSTGRES_USER: LOCAL_POSTGRES_OWNER.user,
        POSTGRES_PASSWORD: LOCAL_POSTGRES_OWNER.password,
        // As the process stack's initdb: no database beyond the defaults (serving creates its own).
        POSTGRES_DB: 'postgres',
        PGDATA: containerPostgresData(ctx),
      },
      binds: [run],
    };
  }
  if (service === 's3') {
    // The image's entrypoint is the minio binary; the marker goes in argv[0] as in the process stack.
    return {
      ...common,
      image: STACK_IMAGES.s3,
      entrypoint: ['/bin/bash', '-c', 'log="$1"; shift; exec -a "$@" >>"$log" 2>&1', 'bash'],
      command: [logFile, launch.argv0 ?? 'minio', '/usr/bin/minio', ...launch.args],
      env: launch.env,
      binds: [run],
    };
  }
  const image =
    service === 'kafka'
      ? STACK_IMAGES.kafka
      : service === 'iceberg-catalog'
        ? STACK_IMAGES.icebergCatalog
        : STACK_IMAGES.flink;
  // The image's own Java, wherever JAVA_HOME pointed on the host.
  const command = basename(launch.command) === 'java' ? 'java' : launch.command;
  return {
    ...common,
    image,
    entrypoint: logged([command, ...launch.args], logFile),
    command: [],
    env: launch.env,
    binds: [run, { path: ctx.layout.cache, readOnly: true }],
    workingDir: launch.cwd,
  };
}
