import type { TestProject } from 'vitest/node';
import type { StackEndpoints } from '../../src/stack/endpoints.ts';

// TEMPORARY until src/stack lands: endpoints of an already-running stack, read from the
// JSON file named by LAMBDALAKE_STACK_ENDPOINTS.
export default async function setup(project: TestProject): Promise<void> {
  const file = process.env.LAMBDALAKE_STACK_ENDPOINTS;
  if (!file) throw new Error('set LAMBDALAKE_STACK_ENDPOINTS to a JSON file of StackEndpoints');
  const { readFile } = await import('node:fs/promises');
  const endpoints = JSON.parse(await readFile(file, 'utf8')) as StackEndpoints;
  project.provide('stack', endpoints);
}
