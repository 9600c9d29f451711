/** One statement of a script and the line it starts on (for error messages). */
export interface ScriptStatement {
  sql: string;
  line: number;
}

/**
 * Splits a multi-statement Flink SQL script on top-level semicolons. Semicolons inside
 * 'strings' (with '' escapes), `quoted identifiers`, "double quotes", -- line comments and
 * block comments do not split; a BEGIN STATEMENT SET; ... END or EXECUTE STATEMENT SET BEGIN ... END block stays one statement.
 */
export function splitScript(script: string): ScriptStatement[] {
  const out: ScriptStatement[] = [];
  let start = 0;
  let line = 1;
  let startLine = 1;
  let inStatementSet = false;
  let i = 0;
  const push = (end: number) => {
    const raw = script.slice(start, end);
    const sql = raw.trim();
    if (sql.length > 0 && !isOnlyComments(sql)) {
      const leading = raw.slice(0, raw.length - raw.trimStart().length);
      out.push({ sql, line: startLine + (leading.match(/\n/g)?.length ?? 0) });
    }
  };
  while (i < script.length) {
    const c = script[i]!;
    const next = script[i + 1];
    if (c === '\n') line++;
    if (c === '-' && next === '-') {
      while (i < script.length && script[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = script.indexOf('*/', i + 2);
      const stop = end === -1 ? script.length : end + 2;
      line += script.slice(i, stop).match(/\n/g)?.length ?? 0;
      i = stop;
      continue;
    }
    if (c === "'" || c === '`' || c === '"') {
      i = skipQuoted(script, i, c, () => line++);
      continue;
    }
    if (c === ';') {
      const statementSoFar = script.slice(start, i).trim();
      if (!inStatementSet && /^(EXECUTE\s+)?BEGIN\s+STATEMENT\s+SET$/i.test(statementSoFar)) {
        inStatementSet = true;
      } else if (!inStatementSet && /^EXECUTE\s+STATEMENT\s+SET\s+BEGIN\s/i.test(statementSoFar)) {
        // Flink's documented form: the first ';' ends the first INSERT inside, not the block.
        inStatementSet = true;
      } else if (inStatementSet && /(^|\s)END$/i.test(statementSoFar)) {
        inStatementSet = false;
        push(i);
        start = i + 1;
        startLine = line;
      } else if (!inStatementSet) {
        push(i);
        start = i + 1;
        startLine = line;
      }
    }
    i++;
  }
  push(script.length);
  return out;
}

function skipQuoted(script: string, at: number, quote: string, onNewline: () => void): number {
  let i = at + 1;
  while (i < script.length) {
    if (script[i] === '\n') onNewline();
    if (script[i] === quote) {
      if (script[i + 1] === quote) {
        i += 2; // doubled quote = escaped quote
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return i;
}

function isOnlyComments(sql: string): boolean {
  return (
    sql
      .replace(/--[^\n]*/g, '')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .trim().length === 0
  );
}
