import type { ControlPlane } from '../../../src/control-plane/controlPlane.ts';

/**
 * A test's teardown: cancels the Flink jobs of its namespace that still run (they would keep the
 * shared stack's slots and cores busy for the files after it) and closes its control plane.
 */
export async function stopDeployment(
  control: ControlPlane | undefined,
  namespace: string,
): Promise<void> {
  if (!control) return;
  for (const job of await control.engine.jobs())
    if (job.name.startsWith(`${namespace}-`) && job.state === 'RUNNING')
      await control.engine.cancel(job.jobId).catch(() => undefined);
  await control.close();
}
