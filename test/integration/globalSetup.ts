import { readFile } from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import type { StackEndpoints } from '../../src/stack/endpoints.ts';
import { stackDown, stackUp, stderrProgress } from '../../src/stack/index.ts';

/**
 * Starts the local stack once for the whole integration run (idempotent: a running stack is reused
 * and left running). LAMBDALAKE_STACK_ENDPOINTS may name a JSON file of StackEndpoints to test an
 * already-running stack elsewhere instead.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.LAMBDALAKE_STACK_ENDPOINTS;
  if (external) {
    project.provide('stack', JSON.parse(await readFile(external, 'utf8')) as StackEndpoints);
    return async () => undefined;
  }
  const progress = stderrProgress();
  const { started, endpoints } = await stackUp(progress);
  project.provide('stack', endpoints);
  return async () => {
    // Stop only a stack this run started, unless asked to keep it for the next run.
    if (started.length > 0 && !process.env.LAMBDALAKE_KEEP_STACK) await stackDown(progress);
  };
}
