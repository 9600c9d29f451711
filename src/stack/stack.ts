import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { artifactPaths, resolveArtifacts } from './artifacts/resolveArtifacts.ts';
import type { StackEndpoints } from './endpoints.ts';
import { lastLines, ServiceStartError, StackError } from './errors.ts';
import { resolveLayout } from './layout.ts';
import { boundBeyond, formatListenAddress, listeningSocketsOf } from './listeningSockets.ts';
import { resolvePorts } from './ports.ts';
import { isOurProcess, sleep, stopProcessGroup } from './processes.ts';
import { launchService } from './launchService.ts';
import type { ProgressReporter } from './progress.ts';
import { findMarkedProcesses } from './processScan.ts';
import {
  flinkJobManagerService,
  flinkSqlGatewayService,
  flinkTaskManagerService,
} from './services/flink.ts';
import { checkpointsUri } from './services/flinkConfig.ts';
import {
  icebergCatalogService,
  icebergCatalogUrl,
  icebergClientProperties,
  warehousePath,
  warehouseUri,
} from './services/icebergCatalog.ts';
import { kafkaService } from './services/kafka.ts';
import { postgresService } from './services/postgres.ts';
import { servingService } from './services/serving.ts';
import {
  SERVICE_NAMES,
  serviceMarker,
  type ServiceDefinition,
  type ServiceName,
} from './services/serviceDefinition.ts';
import { DEFAULT_BIND_HOST, DEFAULT_HEAPS, type StackContext } from './stackContext.ts';
import {
  fixWarehouseMode,
  localS3Settings,
  readWarehouseMode,
  requestedWarehouseMode,
} from './warehouseMode.ts';
import { s3Service } from './services/s3.ts';
import { readStackState, writeStackState, type StartedService } from './stateFile.ts';
import { readFile } from 'node:fs/promises';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface StackOptions {
  env?: NodeJS.ProcessEnv;
  /** Leave the serving endpoint out (e.g. before it exists, or for tests that start their own). */
  withoutServing?: boolean;
  /**
   * The S3 warehouse mode (`--s3`); default: LAMBDALAKE_S3, else what the run folder's first
   * `up` chose, else a local warehouse.
   */
  s3?: boolean;
  /**
   * The container stack (`--containers`, LAMBDALAKE_CONTAINERS=1): services it starts run as
   * containers through testcontainers instead of processes (serving stays a process).
   */
  containers?: boolean;
}

/** Whether `up` starts services as containers: the option, else LAMBDALAKE_CONTAINERS. */
function containersRequested(options: StackOptions): boolean {
  if (options.containers !== undefined) return options.containers;
  const raw = (options.env ?? process.env).LAMBDALAKE_CONTAINERS ?? '';
  return raw === '1' || raw.toLowerCase() === 'true';
}

/** The stack's context from the environment; artifact paths are computed, not downloaded. */
export function stackContext(options: StackOptions = {}): StackContext {
  const env = options.env ?? process.env;
  const layout = resolveLayout(env);
  const ports = resolvePorts(env);
  const mode = requestedWarehouseMode(env, options.s3) ??
    readWarehouseMode(layout.run) ?? { s3: false };
  return {
    layout,
    ports,
    artifacts: artifactPaths(layout.cache),
    heaps: DEFAULT_HEAPS,
    taskSlots: Number(env.LAMBDALAKE_TASK_SLOTS ?? 16),
    java: env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java',
    javac: env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'javac') : 'javac',
    bindHost: DEFAULT_BIND_HOST,
    s3: mode.s3 ? localS3Settings(ports) : null,
    node: process.execPath,
    repoRoot: REPO_ROOT,
  };
}

/** Start groups: services within a group start together; a group waits for the previous one. */
export function serviceGroups(ctx: StackContext, options: StackOptions): ServiceDefinition[][] {
  const groups = [
    [
      ...(ctx.s3 ? [s3Service(ctx, ctx.s3)] : []),
      kafkaService(ctx),
      icebergCatalogService(ctx),
      flinkJobManagerService(ctx),
      postgresService(ctx),
    ],
    [flinkTaskManagerService(ctx), flinkSqlGatewayService(ctx)],
  ];
  const servingEntry = join(ctx.repoRoot, 'src', 'serving', 'main.ts');
  if (!options.withoutServing && existsSync(servingEntry)) groups.push([servingService(ctx)]);
  return groups;
}

export function stackEndpointsOf(ctx: StackContext): StackEndpoints {
  return {
    kafkaBrokers: [`127.0.0.1:${ctx.ports.kafka}`],
    flinkRestUrl: `http://127.0.0.1:${ctx.ports.flinkRest}`,
    sqlGatewayUrl: `http://127.0.0.1:${ctx.ports.sqlGateway}`,
    icebergCatalogUrl: icebergCatalogUrl(ctx),
    warehouseUri: warehouseUri(ctx),
    warehousePath: ctx.s3 ? null : warehousePath(ctx),
    checkpointsUri: checkpointsUri(ctx),
    icebergClientProperties: icebergClientProperties(ctx.s3),
    s3: ctx.s3,
  };
}

/** The file a service's stdout and stderr go to. */
export function logFileOf(ctx: StackContext, name: ServiceName): string {
  return join(ctx.layout.logs, `${name}.out`);
}

/**
 * Brings the stack up: resolves artifacts, then starts what is not already running and healthy,
 * waiting for each service's health check. Running it on a running stack starts nothing.
 */
export async function stackUp(
  progress: ProgressReporter,
  options: StackOptions = {},
): Promise<{ started: ServiceName[]; endpoints: StackEndpoints }> {
  const ctx = stackContext(options);
  for (const dir of [ctx.layout.logs, ctx.layout.data, ctx.layout.conf])
    await mkdir(dir, { recursive: true });
  await fixWarehouseMode(
    ctx.layout.run,
    requestedWarehouseMode(options.env ?? process.env, options.s3),
  );
  ctx.artifacts = await resolveArtifacts(ctx.layout.cache, progress, { s3: ctx.s3 !== null });
  const state = await readStackState(ctx.layout.run);
  const containers = containersRequested(options);
  const started: ServiceName[] = [];
  let saving = Promise.resolve();
  const save = () => (saving = saving.then(() => writeStackState(ctx.layout.run, state)));
  for (const group of serviceGroups(ctx, options)) {
    await Promise.all(
      group.map(async (service) => {
        const previous = state[service.name];
        const running = previous && (await isOurProcess(previous.pid, previous.marker));
        if (running && (await keepRunning(ctx, service, previous, progress))) {
          await progress.step(
            `${service.name} already running (pid ${previous.pid}); checking health`,
            () => waitHealthy(service, previous.logFile),
          );
        } else {
          await progress.step(`starting ${service.name} on ${service.url}`, async () => {
            await assertPortFree(service);
            const logFile = logFileOf(ctx, service.name);
            const { pid, container } = await launchService(ctx, service, logFile, containers);
            state[service.name] = {
              pid,
              marker: serviceMarker(ctx.layout.run, service.name),
              startedAt: new Date().toISOString(),
              logFile,
              ...(container ? { container } : {}),
            };
            await save();
            started.push(service.name);
            // A container's pid is the host's view of it, which Docker Desktop's VM does not share.
            await waitHealthy(service, logFile, container ? undefined : pid);
          });
        }
        if (service.ready) await progress.step(`${service.name}: setting up`, service.ready);
      }),
    );
  }
  await saving;
  return { started, endpoints: stackEndpointsOf(ctx) };
}

/**
 * Whether a running service may stay as it is. One started by an older lambdalake may listen beyond
 * the bind host (the catalog bound every interface before issue 21): it is stopped, to be started
 * again, rather than kept exposed.
 */
async function keepRunning(
  ctx: StackContext,
  service: ServiceDefinition,
  running: StartedService,
  progress: ProgressReporter,
): Promise<boolean> {
  const exposed = boundBeyond(await listeningSocketsOf(running.pid), ctx.bindHost);
  if (exposed.length === 0) return true;
  const where = exposed.map(formatListenAddress).join(', ');
  await progress.step(
    `stopping ${service.name} (pid ${running.pid}): it listens on ${where}, beyond ${ctx.bindHost}`,
    () => stopProcessGroup(running.pid, running.marker),
  );
  return false;
}

async function waitHealthy(
  service: ServiceDefinition,
  logFile: string,
  pid?: number,
): Promise<void> {
  const deadline = Date.now() + service.startTimeoutMs;
  let last = { healthy: false, detail: 'not checked' };
  while (Date.now() < deadline) {
    last = await service.health();
    if (last.healthy) return;
    if (pid !== undefined && !isAlive(pid)) {
      throw new ServiceStartError(service.name, logFile, 'the process exited', await tail(logFile));
    }
    await sleep(500);
  }
  throw new ServiceStartError(
    service.name,
    logFile,
    `no healthy answer within ${service.startTimeoutMs / 1000}s (${last.detail})`,
    await tail(logFile),
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function tail(file: string): Promise<string> {
  try {
    return lastLines(await readFile(file, 'utf8'), 20);
  } catch {
    return '(no log yet)';
  }
}

async function assertPortFree(service: ServiceDefinition): Promise<void> {
  // The TaskManager has no port of its own: nothing another process could already hold.
  if (service.port === null) return;
  const health = await service.health();
  if (health.healthy) {
    throw new StackError(
      'port_in_use',
      `port ${service.port} already answers as ${service.name} but not as a process this stack started; stop it or set another port (see README, "Ports")`,
      false,
    );
  }
}

/** Stops every process this stack started (by pid and by marker, in reverse start order). */
export async function stackDown(
  progress: ProgressReporter,
  options: StackOptions = {},
): Promise<ServiceName[]> {
  const ctx = stackContext({ ...options, withoutServing: false });
  const state = await readStackState(ctx.layout.run);
  const stopped: ServiceName[] = [];
  // Every name, not this mode's services: a stack started in another mode (or before serving
  // existed) is stopped all the same.
  const order = [...SERVICE_NAMES].reverse();
  for (const name of order) {
    const marker = serviceMarker(ctx.layout.run, name);
    const pids = new Set<number>(await findMarkedProcesses(marker));
    const recorded = state[name];
    if (recorded?.container) {
      const container = recorded.container;
      const { removeContainerNamed } = await import('./containers/containerRuntime.ts');
      const removed = await progress.step(`removing container ${container}`, () =>
        removeContainerNamed(container),
      );
      if (removed) stopped.push(name);
    }
    if (recorded) pids.add(recorded.pid);
    for (const pid of pids) {
      const outcome = await progress.step(`stopping ${name} (pid ${pid})`, () =>
        stopProcessGroup(pid, marker),
      );
      if (outcome !== 'absent') stopped.push(name);
    }
    delete state[name];
    await writeStackState(ctx.layout.run, state);
  }
  return stopped;
}
