/** Renders any thrown value for a terminal: the message first, then causes, never a bare stack. */
export function formatErrorForHumans(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    if (current instanceof Error) {
      lines.push((depth === 0 ? 'error: ' : 'caused by: ') + current.message);
      current = current.cause;
    } else {
      lines.push((depth === 0 ? 'error: ' : 'caused by: ') + String(current));
      break;
    }
  }
  if (process.env.LAMBDALAKE_DEBUG && error instanceof Error && error.stack)
    lines.push(error.stack);
  return lines.join('\n');
}
