/**
 * A light scanner for a metric's SELECT (not a SQL parser): strips comments and strings, then
 * finds the top-level SELECT list's output names and the expression behind an alias. Flink's own
 * EXPLAIN is the full check; this one gives located, early messages.
 */
export function stripCommentsAndStrings(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, (m) => ' '.repeat(m.length))
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/'(?:[^']|'')*'/g, (m) => `'${' '.repeat(Math.max(0, m.length - 2))}'`);
}

/** Output column names of the outermost SELECT list (aliases, or bare column names). */
export function selectOutputs(sql: string): { name: string; expression: string }[] {
  const text = stripCommentsAndStrings(sql);
  const select = /\bSELECT\b/i.exec(text);
  if (!select) return [];
  let depth = 0;
  let end = text.length;
  for (let i = select.index + 6; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (
      depth === 0 &&
      /\bFROM\b/i.test(text.slice(i, i + 5)) &&
      /\s/.test(text[i - 1] ?? ' ')
    ) {
      end = i;
      break;
    }
  }
  const items: string[] = [];
  let current = '';
  depth = 0;
  for (const c of text.slice(select.index + 6, end)) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      items.push(current);
      current = '';
    } else current += c;
  }
  items.push(current);
  return items
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
    .map((item) => {
      const alias = /\bAS\s+`?([A-Za-z_][A-Za-z0-9_]*)`?\s*$/i.exec(item);
      if (alias)
        return { name: alias[1]!.toLowerCase(), expression: item.slice(0, alias.index).trim() };
      const bare = /`?([A-Za-z_][A-Za-z0-9_]*)`?\s*$/.exec(item);
      return { name: (bare?.[1] ?? item).toLowerCase(), expression: item };
    });
}

/** True when `expression` buckets `eventTime` to `unit` (FLOOR(x TO unit), optionally CAST around it, or a window start). */
export function isTimeBucketOf(expression: string, eventTime: string, unit: string): boolean {
  const e = expression.replace(/`/g, '').replace(/\s+/g, ' ');
  const floor = new RegExp(`FLOOR\\s*\\(\\s*${eventTime}\\s+TO\\s+${unit}\\s*\\)`, 'i');
  const window = /^\s*(CAST\s*\()?\s*window_start\b/i;
  return floor.test(e) || window.test(e);
}

/** Whether the text reads a table by this exact name (FROM/JOIN name). */
export function readsTable(sql: string, name: string): boolean {
  return new RegExp(`\\b(FROM|JOIN|TABLE)\\s*\\(?\\s*\`?${name}\`?\\b`, 'i').test(
    stripCommentsAndStrings(sql),
  );
}
