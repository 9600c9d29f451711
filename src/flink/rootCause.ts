/**
 * Flink answers failures with Java stack traces several exceptions deep. The useful line is the
 * innermost cause, or the first line naming a SQL parser/validation/table exception.
 */
const TELLING = [
  'SqlParserException',
  'SqlParseException',
  'ValidationException',
  'TableNotExistException',
  'DatabaseNotExistException',
  'CatalogException',
  'NoSuchTableException',
  'UnsupportedOperationException',
  'IllegalArgumentException',
];

const WRAPPERS = [
  'SqlGatewayException',
  'SqlExecutionException',
  'RestHandlerException',
  'CompletionException',
  'ExecutionException',
];

/** The one line a human needs first, from a Flink REST error body (JSON with `errors`) or a raw trace. */
export function rootCauseOf(serverText: string): string {
  const text = unwrapErrors(serverText);
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('at ') && !l.startsWith('...'));
  const exceptionLines = lines
    .map((l) => l.replace(/^Caused by:\s*/, '').replace(/^<Exception on server side:\s*/, ''))
    .filter((l) => /^[\w.$]+(Exception|Error)\b/.test(l));
  const telling = exceptionLines.filter((l) => TELLING.some((t) => l.split(':')[0]!.endsWith(t)));
  const chosen =
    telling[telling.length - 1] ??
    exceptionLines.filter((l) => !WRAPPERS.some((w) => l.split(':')[0]!.endsWith(w))).pop() ??
    lines[0] ??
    serverText;
  return simplify(chosen);
}

function unwrapErrors(serverText: string): string {
  try {
    const parsed = JSON.parse(serverText) as { errors?: unknown };
    if (Array.isArray(parsed.errors)) return parsed.errors.map(String).join('\n');
  } catch {
    // not JSON: a raw trace
  }
  return serverText;
}

/** 'org.apache.flink.table.api.ValidationException: x' → 'ValidationException: x' */
function simplify(line: string): string {
  return line.replace(/^([\w$]+\.)+(?=[\w$]+(Exception|Error)\b)/, '').trim();
}
