/**
 * Dimensions (issue 17 item 3), the definitions half: which sources a metric's SQL reads, and
 * whether each dimension it reads is joined so that both layers agree. A fact row must meet at
 * most one row of a dimension, the same one in batch (the newest row per key at the pinned
 * snapshot) and in streaming (the newest row per key of the changelog): so a dimension is joined
 * on its whole key, INNER or LEFT with the fact on the left, never read on its own. Like
 * metricShape.ts this reads the text (not a SQL parser) and locates every refusal to the SQL
 * file's line and column; `validate` then plans the result in both modes on Flink.
 */
import type { DefinitionProblem } from './errors.ts';
import type { SourceDefinition } from './schema.ts';
import { closingParen, lineColumn, stripCommentsAndStrings } from './sqlText.ts';

export interface JoinInput {
  sql: string;
  sqlFile: string;
  /** The metric's fact source. */
  source: SourceDefinition;
  /** Every valid source of the project, by name. */
  sources: ReadonlyMap<string, SourceDefinition>;
}

export interface JoinCheck {
  problems: DefinitionProblem[];
  /** The dimensions the SQL joins, by source name, in the order first read. */
  dimensions: string[];
}

/** Words that may follow a table name where an alias would otherwise be. */
const NOT_AN_ALIAS =
  /^(ON|USING|WHERE|GROUP|HAVING|ORDER|LIMIT|UNION|JOIN|LEFT|RIGHT|INNER|FULL|CROSS|OUTER|FOR|WINDOW|NATURAL)$/i;
/** Where an ON condition ends at its own nesting level. */
const CLAUSE_END =
  /^(JOIN|LEFT|RIGHT|INNER|FULL|CROSS|NATURAL|WHERE|GROUP|HAVING|ORDER|LIMIT|UNION|WINDOW)\b/i;

/** Checks every table the SQL reads; returns the problems and the dimensions joined. */
export function checkDimensionJoins(input: JoinInput): JoinCheck {
  const text = stripCommentsAndStrings(input.sql);
  const problems: DefinitionProblem[] = [];
  const problem = (offset: number, message: string) =>
    problems.push({ file: input.sqlFile, ...lineColumn(input.sql, offset), field: '', message });
  const ctes = new Set(
    [...text.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\s+AS\s*\(/gi)].map((m) => m[1]!.toLowerCase()),
  );
  const dimensionNames = [...input.sources.values()]
    .filter((s) => s.kind === 'dimension')
    .map((s) => s.name);
  const dimensions: string[] = [];
  const joined = new Set<number>();
  for (const ref of tableReferences(text)) {
    const name = ref.name.toLowerCase();
    if (ctes.has(name) || name === input.source.name) continue;
    const read = input.sources.get(name);
    if (!read) {
      problem(
        ref.nameOffset,
        `unknown table '${ref.name}': a metric reads its source '${input.source.name}'${dimensionNames.length > 0 ? ` and may JOIN the dimensions ${dimensionNames.join(', ')}` : ' (declare a dimension under pipelines/sources with kind: dimension to join it)'}`,
      );
      continue;
    }
    if (read.kind !== 'dimension') {
      problem(
        ref.nameOffset,
        `'${name}' is a fact source: a metric aggregates one fact source ('${input.source.name}') and may JOIN dimensions (sources with kind: dimension) on their key; joining two event streams keeps every event of both in the speed layer's state`,
      );
      continue;
    }
    joined.add(ref.nameOffset);
    const join = checkJoin(text, ref, read, input.source);
    if (join) problem(join.offset, join.message);
    else if (!dimensions.includes(name)) dimensions.push(name);
  }
  // A dimension named anywhere else as a table (a comma join, a TVF argument) is not joined on its key.
  for (const name of dimensionNames)
    for (const m of text.matchAll(new RegExp(`(?<![.\\w\`])\`?${name}\`?(?!\\w)(?!\\s*\\.)`, 'gi')))
      if (!joined.has(m.index) && !isJoinedAt(text, m.index))
        problem(
          m.index,
          `dimension '${name}' is read without a JOIN on its key: write ${hint(input.source, input.sources.get(name)!)}`,
        );
  return { problems, dimensions };
}

interface TableReference {
  kind: 'FROM' | 'JOIN';
  name: string;
  /** Where the FROM or JOIN keyword is. */
  offset: number;
  nameOffset: number;
  /** Just after the name. */
  end: number;
}

/** FROM/JOIN table names at query level (not `EXTRACT(HOUR FROM t)` and other function FROMs). */
function tableReferences(text: string): TableReference[] {
  const refs: TableReference[] = [];
  for (const m of text.matchAll(/\b(FROM|JOIN)(\s+)`?([A-Za-z_][A-Za-z0-9_]*)`?/gi)) {
    if (/^(TABLE|LATERAL|UNNEST)$/i.test(m[3]!) || !atQueryLevel(text, m.index)) continue;
    const nameOffset = m.index + m[1]!.length + m[2]!.length;
    refs.push({
      kind: m[1]!.toUpperCase() as 'FROM' | 'JOIN',
      name: m[3]!,
      offset: m.index,
      nameOffset,
      end: m.index + m[0].length,
    });
  }
  return refs;
}

/** Whether `offset` is outside any parenthesis, or inside one that holds a subquery. */
function atQueryLevel(text: string, offset: number): boolean {
  let depth = 0;
  for (let i = offset - 1; i >= 0; i--) {
    if (text[i] === ')') depth++;
    else if (text[i] === '(') {
      if (depth === 0) return /^\s*(SELECT|WITH)\b/i.test(text.slice(i + 1, offset));
      depth--;
    }
  }
  return true;
}

function isJoinedAt(text: string, offset: number): boolean {
  return /\bJOIN\s+$/i.test(text.slice(Math.max(0, offset - 20), offset));
}

/** The join to write instead, with the fact's same-named column where it has one. */
function hint(fact: SourceDefinition, dimension: SourceDefinition): string {
  const on = (dimension.key ?? [])
    .map(
      (k) =>
        `${dimension.name}.${k} = ${fact.columns.some((c) => c.name === k) ? `${fact.name}.${k}` : `<a column of ${fact.name}>`}`,
    )
    .join(' AND ');
  return `FROM ${fact.name} JOIN ${dimension.name} ON ${on}`;
}

/** The refusal of one JOIN of a dimension, or null when it is joined on its whole key. */
function checkJoin(
  text: string,
  ref: TableReference,
  dimension: SourceDefinition,
  fact: SourceDefinition,
): { offset: number; message: string } | null {
  const key = dimension.key ?? [];
  if (ref.kind === 'FROM')
    return {
      offset: ref.nameOffset,
      message: `dimension '${dimension.name}' is read in FROM: a metric's rows are its fact source's events, joined to a dimension, so write ${hint(fact, dimension)}`,
    };
  const type = /\b(LEFT|RIGHT|FULL|CROSS|INNER|NATURAL)(\s+OUTER)?\s+$/i.exec(
    text.slice(0, ref.offset),
  );
  const kind = type?.[1]?.toUpperCase() ?? 'INNER';
  if (kind !== 'INNER' && kind !== 'LEFT')
    return {
      offset: type!.index,
      message: `a ${kind} JOIN of dimension '${dimension.name}' ${kind === 'CROSS' ? 'pairs every event with every dimension row' : 'keeps dimension rows without events, which have no event time and so no grain'}: write ${hint(fact, dimension)} (or LEFT JOIN to keep events without a dimension row)`,
    };
  let at = ref.end;
  const alias = /^\s+(?:AS\s+)?`?([A-Za-z_][A-Za-z0-9_]*)`?/i.exec(text.slice(at));
  const qualifiers = new Set([dimension.name]);
  if (alias && !NOT_AN_ALIAS.test(alias[1]!)) {
    qualifiers.add(alias[1]!.toLowerCase());
    at += alias[0].length;
  }
  const rest = text.slice(at);
  const clause = /^\s*(ON|USING|FOR)\b/i.exec(rest);
  if (clause?.[1]?.toUpperCase() === 'FOR')
    return {
      offset: at + clause.index + clause[0].length - 3,
      message: `a temporal join (FOR SYSTEM_TIME AS OF) of dimension '${dimension.name}' joins the version valid at each event's time in streaming, which the batch side (the newest row per key at its pinned snapshot) cannot reproduce: write ${hint(fact, dimension)}`,
    };
  if (!clause)
    return {
      offset: ref.offset,
      message: `JOIN ${dimension.name} has no ON condition: join a dimension on its key (${key.join(', ')}), e.g. ${hint(fact, dimension)}`,
    };
  const start = at + clause[0].length;
  const end = conditionEnd(text, start);
  const covered =
    clause[1]!.toUpperCase() === 'USING'
      ? usingColumns(text.slice(start, end))
      : equatedKeyColumns(text.slice(start, end), qualifiers);
  const missing = key.filter((k) => !covered.has(k));
  if (missing.length === 0) return null;
  return {
    offset: at + clause.index + clause[0].length - clause[1]!.length,
    message: `JOIN ${dimension.name} ${clause[1]!.toUpperCase()} does not match the dimension's whole key (${key.join(', ')}): ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not equated with a column of the fact. Each event must meet at most one dimension row, the same in both layers: write ${hint(fact, dimension)}`,
  };
}

/** Where an ON/USING condition stops: the next clause at its level, a closing parenthesis, or the end. */
function conditionEnd(text: string, start: number): number {
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === '(') {
      const close = closingParen(text, i);
      if (close < 0) return text.length;
      i = close;
    } else if (c === ')') return i;
    else if (/[A-Za-z]/.test(c) && !/[A-Za-z0-9_$]/.test(text[i - 1] ?? ' ')) {
      if (CLAUSE_END.test(text.slice(i, i + 10))) return i;
    }
  }
  return text.length;
}

function usingColumns(condition: string): Set<string> {
  const inside = /^\s*\(([^)]*)\)/.exec(condition)?.[1] ?? '';
  return new Set(inside.split(',').map((c) => c.replace(/`/g, '').trim().toLowerCase()));
}

/** Dimension columns an AND-ed `q.col = expression` of the condition equates with the other side. */
function equatedKeyColumns(condition: string, qualifiers: ReadonlySet<string>): Set<string> {
  const covered = new Set<string>();
  const column = /^`?([A-Za-z_][A-Za-z0-9_]*)`?\s*\.\s*`?([A-Za-z_][A-Za-z0-9_]*)`?$/;
  for (const conjunct of splitAnd(condition)) {
    const eq = /^([^=<>!]+?)\s*=\s*([^=<>!]+)$/.exec(stripParens(conjunct));
    if (!eq) continue;
    const sides = [eq[1]!.trim(), eq[2]!.trim()];
    const refs = sides.map((s) => column.exec(s));
    const mentions = (s: string) =>
      [...s.matchAll(/`?([A-Za-z_][A-Za-z0-9_]*)`?\s*\./g)].some((m) =>
        qualifiers.has(m[1]!.toLowerCase()),
      );
    refs.forEach((r, i) => {
      if (r && qualifiers.has(r[1]!.toLowerCase()) && !mentions(sides[1 - i]!))
        covered.add(r[2]!.toLowerCase());
    });
  }
  return covered;
}

function splitAnd(condition: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i <= condition.length; i++) {
    const c = condition[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    const and =
      depth === 0 &&
      /^AND\b/i.test(condition.slice(i, i + 4)) &&
      !/[A-Za-z0-9_]/.test(condition[i - 1] ?? ' ');
    if (i === condition.length || and) {
      parts.push(condition.slice(from, i).trim());
      from = i + 3;
    }
  }
  return parts.filter((p) => p.length > 0);
}

function stripParens(e: string): string {
  let s = e.trim();
  while (s.startsWith('(') && closingParen(s, 0) === s.length - 1) s = s.slice(1, -1).trim();
  return s;
}

/** Problems of a dimension source's own declaration, as field paths and messages. */
export function dimensionSourceProblems(
  source: SourceDefinition,
): { path: (string | number)[]; message: string }[] {
  const found: { path: (string | number)[]; message: string }[] = [];
  if (source.kind !== 'dimension') {
    if (source.key)
      found.push({
        path: ['key'],
        message: `key is for dimensions: add kind: dimension, or remove key (a fact source's events are identified by dedupe_key)`,
      });
    return found;
  }
  const columns = new Map(source.columns.map((c) => [c.name, c]));
  if (!source.key)
    found.push({
      path: ['kind'],
      message: `a dimension needs key: the columns identifying a row (metrics join on them; the newest ${source.event_time} per key wins)`,
    });
  (source.key ?? []).forEach((k, i) => {
    const column = columns.get(k);
    if (!column)
      found.push({
        path: ['key', i],
        message: `'${k}' is not a column: columns are ${[...columns.keys()].join(', ')}`,
      });
    else if (!column.required)
      found.push({
        path: ['key', i],
        message: `key column '${k}' must be declared required: true: a row without its key can be neither joined nor compacted`,
      });
  });
  if (source.dedupe_key)
    found.push({
      path: ['dedupe_key'],
      message: `a dimension is deduplicated by its key (the newest ${source.event_time} wins): remove dedupe_key`,
    });
  return found;
}
