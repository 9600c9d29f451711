import { containerSpec } from './containers/containerSpec.ts';
import { spawnDetached } from './processes.ts';
import type { ServiceDefinition } from './services/serviceDefinition.ts';
import type { StackContext } from './stackContext.ts';

/**
 * Starts one service as a process, or as a container in the container stack (serving, lambdalake's
 * own code, stays a process). PostgreSQL's container initialises its own data folder, so its
 * process launcher, which runs the host's initdb, is not called for it.
 */
export async function launchService(
  ctx: StackContext,
  service: ServiceDefinition,
  logFile: string,
  containers: boolean,
): Promise<{ pid: number; container?: string }> {
  if (!containers || service.name === 'serving') {
    return { pid: spawnDetached(await service.prepare(), logFile) };
  }
  const launch =
    service.name === 'postgres'
      ? { command: 'postgres', args: [], env: {}, cwd: '/' }
      : await service.prepare();
  const spec = containerSpec(ctx, service.name, launch, logFile);
  // Loaded only here: testcontainers is a development dependency, absent from the lambdalake image.
  const { startContainer } = await import('./containers/containerRuntime.ts');
  const { pid } = await startContainer(spec);
  return { pid, container: spec.name };
}
