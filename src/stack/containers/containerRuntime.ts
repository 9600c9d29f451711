import { GenericContainer, getContainerRuntimeClient } from 'testcontainers';
import { StackError } from '../errors.ts';
import type { ContainerSpec } from './containerSpec.ts';

/**
 * Containers through testcontainers, which finds the engine as Docker clients do (DOCKER_HOST, the
 * default socket, Docker Desktop's): Docker, or podman serving the Docker API. Containers use the
 * host's network, so every service listens on the same 127.0.0.1 ports as in the process stack
 * and reaches the others there (Flink's Kafka and catalog addresses, the S3 endpoint the catalog
 * hands out): one ports/endpoints contract for both stacks.
 */
export async function startContainer(spec: ContainerSpec): Promise<{ id: string; pid: number }> {
  // Ryuk removes a session's containers when the process that started them exits; the stack must
  // outlive `stack up`. Read by testcontainers when it starts its first container.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  await removeContainerNamed(spec.name);
  let container = new GenericContainer(spec.image)
    .withName(spec.name)
    .withNetworkMode('host')
    .withLabels(spec.labels)
    .withEnvironment(spec.env)
    .withCommand(spec.command)
    .withBindMounts(
      spec.binds.map((b) => ({ source: b.path, target: b.path, mode: b.readOnly ? 'ro' : 'rw' })),
    );
  if (spec.entrypoint) container = container.withEntrypoint(spec.entrypoint);
  if (spec.workingDir) container = container.withWorkingDir(spec.workingDir);
  let started;
  try {
    started = await container.start();
  } catch (error) {
    throw new StackError(
      'service_start_failed',
      `container ${spec.name} (${spec.image}) did not start: ${(error as Error).message}`,
      false,
    );
  }
  const client = await getContainerRuntimeClient();
  const inspected = await client.container.inspect(client.container.getById(started.getId()));
  return { id: started.getId(), pid: inspected.State.Pid };
}

/** Stops and removes the container of this name, running or exited; false when there is none. */
export async function removeContainerNamed(name: string): Promise<boolean> {
  const client = await getContainerRuntimeClient();
  // The name filter matches substrings: keep the exact name only.
  const found = (
    await client.container.dockerode.listContainers({ all: true, filters: { name: [name] } })
  ).filter((c) => c.Names.some((n) => n.replace(/^\//, '') === name));
  for (const info of found) {
    const container = client.container.getById(info.Id);
    if (info.State === 'running') await client.container.stop(container, { timeout: 20 });
    await client.container.remove(container, { removeVolumes: true });
  }
  return found.length > 0;
}
