import { ControlPlaneError } from '../errors.ts';

export interface PollOptions {
  timeoutMs: number;
  pollMs?: number;
  /** Why the wait ended without an answer, read once at the deadline (goes into the error). */
  reason: () => string;
  /** Called with each probe's progress text, if the probe gives one. */
  onProgress?: (text: string) => void;
}

/**
 * The control plane's one polling loop: calls `probe` until it answers (anything but undefined),
 * bounded by time; the timeout is retriable, since running the command again resumes the wait.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  options: PollOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const answer = await probe();
    if (answer !== undefined) return answer;
    if (Date.now() >= deadline)
      throw new ControlPlaneError(
        'timeout',
        `${options.reason()} (waited ${options.timeoutMs} ms)`,
        true,
      );
    await sleep(options.pollMs ?? 200);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
