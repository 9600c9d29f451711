/**
 * Position-keeping helpers over a metric's SQL text (not a SQL parser): comments and string
 * contents are blanked so scanning never matches inside them, and every offset still points at the
 * same line and column of the file the data engineer wrote.
 */
export function stripCommentsAndStrings(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, (m) => ' '.repeat(m.length))
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/'(?:[^']|'')*'/g, (m) => `'${' '.repeat(Math.max(0, m.length - 2))}'`);
}

/** 1-based line and column of an offset in a text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Offset of the parenthesis closing the one at `open`, or -1. */
export function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/** Splits `text[start, end)` at commas outside parentheses; each part keeps its offset. */
export function splitTopLevel(
  text: string,
  start: number,
  end: number,
): { text: string; offset: number }[] {
  const parts: { text: string; offset: number }[] = [];
  let depth = 0;
  let from = start;
  for (let i = start; i <= end; i++) {
    const c = text[i];
    if (i === end || (c === ',' && depth === 0)) {
      const raw = text.slice(from, i);
      const lead = raw.length - raw.trimStart().length;
      if (raw.trim()) parts.push({ text: raw.trim(), offset: from + lead });
      from = i + 1;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
  }
  return parts;
}

/** Offsets where `keyword` (a regex source) appears outside parentheses relative to `start`. */
export function topLevelKeyword(
  text: string,
  keyword: RegExp,
  start = 0,
  end = text.length,
): number {
  let depth = 0;
  for (let i = start; i < end; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && /[A-Za-z]/.test(c ?? '') && !/[A-Za-z0-9_$]/.test(text[i - 1] ?? ' ')) {
      const m = keyword.exec(text.slice(i, i + 40));
      if (m && m.index === 0) return i;
    }
  }
  return -1;
}

/** Removes a CAST(... AS TIMESTAMP(3)) wrapper, backticks and a table qualifier from column refs. */
export function unwrapExpression(expression: string): string {
  let e = expression.replace(/`/g, '').replace(/\s+/g, ' ').trim();
  for (;;) {
    const cast = /^CAST\s*\((.*)\s+AS\s+TIMESTAMP\s*\(\s*3\s*\)\s*\)$/i.exec(e);
    if (!cast) break;
    e = cast[1]!.trim();
  }
  return e.replace(/\b[A-Za-z_][A-Za-z0-9_]*\.([A-Za-z_][A-Za-z0-9_]*)\b/g, '$1');
}
