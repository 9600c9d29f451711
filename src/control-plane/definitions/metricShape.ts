import { parseDuration } from './durations.ts';
import type { DefinitionProblem } from './errors.ts';
import { describeGrain, floorUnit, tumbleOf, type Grain } from './grain.ts';
import {
  closingParen,
  lineColumn,
  splitTopLevel,
  stripCommentsAndStrings,
  topLevelKeyword,
  unwrapExpression,
} from './sqlText.ts';

/**
 * The pure half of the shape proof: what can be refused from the text alone, located to the SQL
 * file's line and column, before Flink is asked (compiler/planShape.ts checks Flink's own plan in
 * both modes in `validate`). Every refusal names the construct and what to write instead.
 */
export interface ShapeInput {
  sql: string;
  sqlFile: string;
  grain: Grain;
  grainColumn: string;
  keys: string[];
  eventTime: string;
  source: string;
}

/** Where the window TVF call is (`TABLE(TUMBLE(...))`), so the streaming side can replace it. */
export interface MetricShape {
  tumble: { start: number; end: number; table: string; alias: string | null } | null;
  outputs: { name: string; expression: string; offset: number }[];
}

const PROCESSING_TIME =
  /\b(CURRENT_TIMESTAMP|LOCALTIMESTAMP|CURRENT_DATE|CURRENT_TIME|LOCALTIME|CURRENT_ROW_TIMESTAMP\s*\(\s*\)|NOW\s*\(\s*\)|PROCTIME\s*\(\s*\)|UNIX_TIMESTAMP\s*\(\s*\))/gi;
const AGGREGATE =
  /\b(COUNT|SUM|MIN|MAX|AVG|LISTAGG|COLLECT|STDDEV\w*|VAR\w*|FIRST_VALUE|LAST_VALUE)\s*\(/i;
const INTERVAL = /^INTERVAL\s+'\s*(\d+)\s*'\s*(SECONDS?|MINUTES?|HOURS?|DAYS?)$/i;
const UNIT_MS: Record<string, number> = {
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
};

/** Checks a metric's SELECT against its declaration; returns the problems and the shape found. */
export function checkMetricShape(input: ShapeInput): {
  problems: DefinitionProblem[];
  shape: MetricShape;
} {
  const text = stripCommentsAndStrings(input.sql);
  const problems: DefinitionProblem[] = [];
  const problem = (offset: number, message: string) =>
    problems.push({ file: input.sqlFile, ...lineColumn(input.sql, offset), field: '', message });

  for (const m of text.matchAll(PROCESSING_TIME))
    problem(
      m.index,
      `${m[1]!.replace(/\s+/g, '').toUpperCase()} is processing time: batch evaluates it once per job and streaming once per row, so the two modes disagree. Use the event time column ${input.eventTime} instead`,
    );
  const tumble = checkWindows(text, input, problem);
  const anyWindow = /\b(TUMBLE|HOP|CUMULATE|SESSION)\s*\(/i.test(text);
  const main = mainSelect(text);
  const outputs = main ? selectItems(text, main) : [];
  if (!main) problem(0, 'no SELECT found: a metric is one Flink SQL SELECT');
  if (main && !/\bGROUP\s+BY\b/i.test(text) && !AGGREGATE.test(text))
    problem(
      main.select,
      `a non-aggregating metric: its rows are raw events, which batch keeps all of and the speed topic keeps one per key. Aggregate and GROUP BY the grain and keys, e.g. SELECT ${bucketHint(input)} AS ${input.grainColumn}, COUNT(*) AS events FROM ${input.source} GROUP BY ${bucketHint(input)}`,
    );
  const grainOutput = outputs.find((o) => o.name === input.grainColumn);
  if (grainOutput)
    checkGrainExpression(text, grainOutput, input, tumble !== null || anyWindow, problem);
  // Without the grain among the outputs the YAML check says so; grouping would only repeat it.
  if (main && grainOutput) checkGrouping(text, main, outputs, input, problem);
  return { problems, shape: { tumble, outputs } };
}

type Report = (offset: number, message: string) => void;

function bucketHint(input: ShapeInput): string {
  const unit = floorUnit(input.grain);
  if (unit) return `FLOOR(${input.eventTime} TO ${unit})`;
  return 'window_start';
}

function tumbleHint(input: ShapeInput): string {
  const t = tumbleOf(input.grain);
  if (!t) return `FLOOR(${input.eventTime} TO MONTH) (months have no fixed size, so no TUMBLE)`;
  const interval = intervalText(t.sizeMs);
  const offset = t.offsetMs ? `, ${intervalText(t.offsetMs)}` : '';
  return `TABLE(TUMBLE(TABLE ${input.source}, DESCRIPTOR(${input.eventTime}), ${interval}${offset}))`;
}

function intervalText(ms: number): string {
  for (const [unit, size] of [
    ['DAY', 86_400_000],
    ['HOUR', 3_600_000],
    ['MINUTE', 60_000],
  ] as const)
    if (ms % size === 0) return `INTERVAL '${ms / size}' ${unit}`;
  return `INTERVAL '${ms / 1000}' SECOND`;
}

/** Window TVFs: only TUMBLE, only over the event time, only of exactly the grain. */
function checkWindows(text: string, input: ShapeInput, problem: Report): MetricShape['tumble'] {
  let found: MetricShape['tumble'] = null;
  for (const m of text.matchAll(/\b(TUMBLE|HOP|CUMULATE|SESSION)\s*\(/gi)) {
    const kind = m[1]!.toUpperCase();
    const open = m.index + m[0].length - 1;
    const close = closingParen(text, open);
    const args = splitTopLevel(text, open + 1, close);
    if (!/^TABLE\b/i.test(args[0]?.text ?? '')) {
      problem(
        m.index,
        `the group window function ${kind}(...) is deprecated in Flink: write ${tumbleHint(input)} and GROUP BY window_start`,
      );
      continue;
    }
    if (kind !== 'TUMBLE') {
      problem(
        m.index,
        `a ${kind} window puts an event in several windows or in windows of varying size, so a row is not one grain bucket: write ${tumbleHint(input)}`,
      );
      continue;
    }
    const descriptor = /^DESCRIPTOR\s*\(\s*`?([A-Za-z_][A-Za-z0-9_]*)`?\s*\)$/i.exec(
      args[1]?.text ?? '',
    );
    if (descriptor && descriptor[1]!.toLowerCase() !== input.eventTime)
      problem(
        args[1]!.offset,
        `TUMBLE over '${descriptor[1]}' is not over the event time: write DESCRIPTOR(${input.eventTime})`,
      );
    const expected = tumbleOf(input.grain);
    const size = intervalMs(
      input.sql.slice(args[2]?.offset ?? 0, (args[2]?.offset ?? 0) + (args[2]?.text.length ?? 0)),
    );
    const offset = args[3]
      ? intervalMs(input.sql.slice(args[3].offset, args[3].offset + args[3].text.length))
      : 0;
    if (!expected || size !== expected.sizeMs || offset !== expected.offsetMs) {
      const what =
        size === null
          ? `'${args[2]?.text ?? ''}'`
          : describeMs(size) + (offset ? ` offset by ${describeMs(offset ?? 0)}` : '');
      problem(
        args[2]?.offset ?? m.index,
        `a TUMBLE window of ${what} is not the grain (${describeGrain(input.grain)}): the batch side cuts such windows at the cutover and the speed side shows them late. Write ${tumbleHint(input)}, or declare the grain the window has`,
      );
      continue;
    }
    // The call sits in FROM TABLE(TUMBLE(...)): the range to replace is the TABLE( ... ) around it.
    const before = /\bTABLE\s*\(\s*$/i.exec(text.slice(0, m.index));
    const start = before ? before.index : m.index;
    const end = before
      ? closingParen(text, before.index + before[0].lastIndexOf('(')) + 1
      : close + 1;
    const tableName =
      /^TABLE\s+`?([A-Za-z_][A-Za-z0-9_]*)`?$/i.exec(args[0]!.text)?.[1] ?? input.source;
    found = { start, end, table: tableName, alias: null };
  }
  return found;
}

function intervalMs(text: string): number | null {
  const m = INTERVAL.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * UNIT_MS[m[2]!.toUpperCase().replace(/S$/, '')]!;
}

function describeMs(ms: number): string {
  return describeGrain({ kind: 'fixed', ms });
}

/** The outermost SELECT (after any WITH list) and where its FROM starts. */
function mainSelect(text: string): { select: number; from: number; end: number } | null {
  const select = topLevelKeyword(text, /SELECT\b/i);
  if (select < 0) return null;
  const from = topLevelKeyword(text, /FROM\b/i, select);
  return { select, from: from < 0 ? text.length : from, end: text.length };
}

function selectItems(text: string, main: { select: number; from: number }): MetricShape['outputs'] {
  const start = main.select + 'SELECT'.length;
  return splitTopLevel(text, start, main.from).map((item) => {
    const body = item.text.replace(/^DISTINCT\s+/i, '');
    const alias = /\bAS\s+`?([A-Za-z_][A-Za-z0-9_]*)`?\s*$/i.exec(body);
    if (alias)
      return {
        name: alias[1]!.toLowerCase(),
        expression: body.slice(0, alias.index).trim(),
        offset: item.offset,
      };
    const bare = /`?([A-Za-z_][A-Za-z0-9_]*)`?\s*$/.exec(body);
    return { name: (bare?.[1] ?? body).toLowerCase(), expression: body, offset: item.offset };
  });
}

/** Follows a bare column through the aliases of CTEs and subqueries (`… AS name`), a few levels. */
function resolveAlias(text: string, expression: string, depth = 0): string {
  const e = unwrapExpression(expression);
  if (depth > 4 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(e) || /^window_start$/i.test(e)) return e;
  for (const m of text.matchAll(new RegExp(`\\bAS\\s+\`?${e}\`?\\s*(,|\\bFROM\\b)`, 'gi'))) {
    const head = text.slice(0, m.index);
    let depthHere = 0;
    let i = head.length - 1;
    for (; i >= 0; i--) {
      const c = head[i];
      if (c === ')') depthHere++;
      else if (c === '(') {
        if (depthHere === 0) break;
        depthHere--;
      } else if (depthHere === 0 && c === ',') break;
      else if (depthHere === 0 && /\bSELECT$/i.test(head.slice(Math.max(0, i - 5), i + 1))) break;
    }
    const candidate = head
      .slice(i + 1)
      .replace(/^\s*(DISTINCT\s+)?/i, '')
      .trim();
    if (candidate && unwrapExpression(candidate) !== e)
      return resolveAlias(text, candidate, depth + 1);
  }
  return e;
}

function checkGrainExpression(
  text: string,
  output: MetricShape['outputs'][number],
  input: ShapeInput,
  hasTumble: boolean,
  problem: Report,
): void {
  const e = resolveAlias(text, output.expression);
  if (/^window_start$/i.test(e)) {
    if (!hasTumble)
      problem(
        output.offset,
        `grain column '${input.grainColumn}' is window_start but no TUMBLE window of the grain is read: write FROM ${tumbleHint(input)}`,
      );
    return;
  }
  if (AGGREGATE.test(e)) {
    problem(
      output.offset,
      `grain column '${input.grainColumn}' is an aggregate of the time bucket ('${output.expression}'): a row's grain must be the bucket it groups by. Write ${bucketHint(input)} AS ${input.grainColumn} and GROUP BY it`,
    );
    return;
  }
  const floor = /^FLOOR\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s+TO\s+([A-Za-z]+)\s*\)$/i.exec(e);
  const unit = floorUnit(input.grain);
  if (floor && floor[1]!.toLowerCase() === input.eventTime && floor[2]!.toUpperCase() === unit)
    return;
  const instead = unit
    ? `CAST(FLOOR(${input.eventTime} TO ${unit}) AS TIMESTAMP(3)) AS ${input.grainColumn}`
    : `window_start AS ${input.grainColumn} FROM ${tumbleHint(input)}`;
  if (floor && floor[1]!.toLowerCase() === input.eventTime)
    problem(
      output.offset,
      `FLOOR(${input.eventTime} TO ${floor[2]!.toUpperCase()}) is not the grain (${describeGrain(input.grain)})${floor[2]!.toUpperCase() === 'WEEK' ? ': Flink starts FLOOR weeks on Sunday, ISO weeks start Monday' : ''}. Write ${instead}`,
    );
  else
    problem(
      output.offset,
      `grain column '${input.grainColumn}' must be a time bucket of the event time: write ${instead}; found '${output.expression}'. Without a time bucket of the event time a metric has no cutover`,
    );
}

/** The outermost GROUP BY (if the main SELECT has one) may hold only the grain and the keys. */
function checkGrouping(
  text: string,
  main: { select: number; from: number },
  outputs: MetricShape['outputs'],
  input: ShapeInput,
  problem: Report,
): void {
  const at = topLevelKeyword(text, /GROUP\s+BY\b/i, main.from);
  if (at < 0) return;
  const after = text.slice(at).match(/^GROUP\s+BY/i)![0].length + at;
  const stop = [/HAVING\b/i, /ORDER\s+BY\b/i, /LIMIT\b/i, /UNION\b/i]
    .map((k) => topLevelKeyword(text, k, after))
    .filter((i) => i >= 0);
  const items = splitTopLevel(text, after, Math.min(text.length, ...stop));
  const allowed = new Set<string>();
  for (const o of outputs)
    if (o.name === input.grainColumn || input.keys.includes(o.name)) {
      allowed.add(norm(unwrapExpression(o.expression)));
      allowed.add(norm(o.name));
    }
  for (const w of ['window_start', 'window_end', 'window_time']) allowed.add(w);
  for (const item of items) {
    if (allowed.has(norm(unwrapExpression(item.text)))) continue;
    problem(
      item.offset,
      `GROUP BY ${item.text} groups finer than the grain and keys (${[input.grainColumn, ...input.keys].join(', ')}): batch would keep a row per ${item.text} and the speed topic only one per key. Declare it under keys (output it), or remove it from GROUP BY`,
    );
  }
}

function norm(e: string): string {
  return e.replace(/\s+/g, '').toLowerCase();
}

/** Whether `state_ttl` covers a whole bucket plus lateness (else accumulators expire mid-window). */
export function stateTtlShortfall(stateTtl: string, grainMaxMs: number, lateness: string): number {
  return grainMaxMs + (parseDuration(lateness) ?? 0) - (parseDuration(stateTtl) ?? 0);
}
