import { isOurProcess, residentMemoryMiB } from './processes.ts';
import { listenAddressesOf } from './listeningSockets.ts';
import type { ServiceDefinition, ServiceName } from './services/serviceDefinition.ts';
import { logFileOf, serviceGroups, stackContext, type StackOptions } from './stack.ts';
import type { StackContext } from './stackContext.ts';
import { readStackState, type StackState } from './stateFile.ts';

export interface ServiceStatus {
  name: ServiceName;
  url: string;
  /** The address and main port the service is configured to listen on (no port: Flink picks them). */
  host: string;
  port: number | null;
  /**
   * Where its process actually listens, as `host:port` read from the kernel (/proc/net/tcp{,6});
   * a JVM also opens ports of its own (Flink's RPC, blob server, ...). Empty unless running.
   */
  listening: string[];
  pid: number | null;
  /** running: our process is alive; crashed: we started it and it is gone; stopped: never started. */
  state: 'running' | 'crashed' | 'stopped';
  healthy: boolean;
  detail: string;
  rssMiB: number | null;
  logFile: string;
}

/** Status of every service: process liveness from the pid file, health from each service's own API. */
export async function stackStatus(options: StackOptions = {}): Promise<ServiceStatus[]> {
  const ctx = stackContext(options);
  const state = await readStackState(ctx.layout.run);
  const services = serviceGroups(ctx, options).flat();
  return Promise.all(services.map((service) => serviceStatus(ctx, service, state)));
}

async function serviceStatus(
  ctx: StackContext,
  service: ServiceDefinition,
  state: StackState,
): Promise<ServiceStatus> {
  const started = state[service.name];
  const alive = started ? await isOurProcess(started.pid, started.marker) : false;
  const pid = alive && started ? started.pid : null;
  const health = alive
    ? await service.health()
    : { healthy: false, detail: started ? 'process exited' : 'not started' };
  return {
    name: service.name,
    url: service.url,
    host: service.host,
    port: service.port,
    listening: pid === null ? [] : await listenAddressesOf(pid),
    pid,
    state: alive ? 'running' : started ? 'crashed' : 'stopped',
    healthy: health.healthy,
    detail: health.detail,
    rssMiB: pid === null ? null : ((await residentMemoryMiB(pid)) ?? null),
    logFile: started?.logFile ?? logFileOf(ctx, service.name),
  };
}
