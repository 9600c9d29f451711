import { inject } from 'vitest';
import type { StackEndpoints } from '../../src/stack/endpoints.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackEndpoints;
  }
}

/** The endpoints of the one local stack the global setup started (or found running) for this run. */
export function stackEndpoints(): StackEndpoints {
  return inject('stack');
}
