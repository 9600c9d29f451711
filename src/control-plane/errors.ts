/**
 * The control plane's one error family. Every error carries a stable `code` (for scripts and
 * tests) and whether running the same command again may succeed (`retriable`): the CLI is the
 * only place that formats them for humans.
 */
export type ControlPlaneErrorCode =
  | 'commit-conflict'
  | 'run-record-taken'
  | 'illegal-transition'
  | 'stale-publication'
  | 'cutover-out-of-range'
  | 'batch-failed'
  | 'batch-invalid'
  | 'job-failed'
  | 'timeout'
  | 'not-deployed'
  | 'serving-unavailable'
  | 'stale-definitions'
  | 'definition-refused'
  | 'bad-input';

export class ControlPlaneError extends Error {
  constructor(
    readonly code: ControlPlaneErrorCode,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ControlPlaneError';
  }
}

/** True for an error that says running the command again may succeed. */
export function isRetriable(error: unknown): boolean {
  return error instanceof ControlPlaneError && error.retriable;
}

/** The message of anything thrown, for run records and logs. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
