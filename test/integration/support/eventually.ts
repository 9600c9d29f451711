/**
 * The suite's one "poll until equal" wait: reads until the answer equals `expected` (compared as
 * JSON) or `timeoutMs` has passed, and returns the last answer so the caller's `expect` shows what
 * was served instead. Bounded by time; `pollMs` apart.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  expected: unknown,
  { timeoutMs = 90_000, pollMs = 1000 }: { timeoutMs?: number; pollMs?: number } = {},
): Promise<T> {
  const want = JSON.stringify(expected);
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (JSON.stringify(last) !== want && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    last = await read();
  }
  return last;
}
