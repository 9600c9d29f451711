import { describeGrain, tumbleOf, type Grain } from '../definitions/grain.ts';

/**
 * The proof half of the shape check: reads the optimized physical plan Flink (2.1) prints for
 * `EXPLAIN INSERT INTO sink SELECT …` and checks what the text check can only approximate — that
 * what reaches the sink is an aggregate grouped by exactly the grain bucket and the keys, that no
 * processing-time function survives optimization, and that any window is the grain.
 */
export interface PlanFinding {
  /** A word to locate in the metric's SQL (GROUP BY, SELECT, the function's name). */
  construct: string;
  message: string;
}

export interface PlanExpectation {
  grain: Grain;
  keys: string[];
  mode: 'batch' | 'streaming';
}

/** Nodes between the sink and the aggregate that neither group nor multiply rows. */
const PASS_THROUGH = new Set(['Calc', 'Exchange', 'Sort', 'DropUpdateBefore', 'WatermarkAssigner']);
const PROCESSING_TIME =
  /\b(CURRENT_TIMESTAMP|LOCALTIMESTAMP|CURRENT_DATE|CURRENT_TIME|LOCALTIME|CURRENT_ROW_TIMESTAMP|NOW|PROCTIME|PROCTIME_MATERIALIZE)\(/;
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** The "== Optimized Physical Plan ==" section of an EXPLAIN result. */
export function physicalPlan(explain: string): string {
  const start = explain.indexOf('== Optimized Physical Plan ==');
  if (start < 0) return explain;
  const end = explain.indexOf('== Optimized Execution Plan ==', start);
  return explain.slice(start, end < 0 ? undefined : end);
}

/** Checks one mode's plan; an empty list means the plan has the metric's shape. */
export function checkPlanShape(explain: string, expected: PlanExpectation): PlanFinding[] {
  const plan = physicalPlan(explain);
  const findings: PlanFinding[] = [];
  const mode = `Flink's ${expected.mode} plan`;
  const proc = PROCESSING_TIME.exec(plan);
  if (proc)
    findings.push({
      construct: proc[1]!,
      message: `${mode} evaluates ${proc[1]}(), processing time: the two modes would disagree. Use the event time`,
    });
  const nodes = plan
    .split('\n')
    .map((line) => /^[\s+|-]*([A-Za-z]+)\((.*)\)\s*$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1]!, args: m[2]! }));
  const below = nodes.slice(1).find((n) => !PASS_THROUGH.has(n.name));
  if (!below || !/Aggregate$/.test(below.name)) {
    findings.push({
      construct: 'SELECT',
      message: `${mode} has no aggregation under the sink (it found ${below?.name ?? 'nothing'}): a non-aggregating metric keeps every event in batch and one row per key in the speed topic. GROUP BY the grain bucket and the keys`,
    });
    return findings;
  }
  const groupBy = (/groupBy=\[([^\]]*)\]/.exec(below.args)?.[1] ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f && f !== 'window_end' && f !== 'window_time');
  const window = /window=\[(TUMBLE|HOP|CUMULATE|SESSION)\(([^\]]*(?:\][^\]]*)*?)\)\]/.exec(
    below.args,
  );
  if (window) findings.push(...checkWindow(window[1]!, window[2]!, expected, mode));
  const grouped = groupBy.length + (window ? 1 : 0);
  const wanted = 1 + expected.keys.length;
  if (grouped > wanted)
    findings.push({
      construct: 'GROUP BY',
      message: `${mode} groups by ${grouped} columns (${groupBy.join(', ')}${window ? ', the window' : ''}), finer than the grain and keys (${wanted}): batch would keep several rows per key and the speed topic one. Declare the extra columns as keys, or remove them from GROUP BY`,
    });
  else if (grouped < wanted)
    findings.push({
      construct: 'GROUP BY',
      message: `${mode} groups by ${grouped} column(s) (${groupBy.join(', ') || 'none'}${window ? ', the window' : ''}), fewer than the grain and keys (${wanted}): GROUP BY the grain bucket and every key`,
    });
  return findings;
}

function checkWindow(
  kind: string,
  args: string,
  expected: PlanExpectation,
  mode: string,
): PlanFinding[] {
  const t = tumbleOf(expected.grain);
  const size = durationMs(/size=\[([^\]]+)\]/.exec(args)?.[1]);
  const offset = durationMs(/offset=\[([^\]]+)\]/.exec(args)?.[1]) ?? 0;
  if (kind === 'TUMBLE' && t && size === t.sizeMs && offset === t.offsetMs) return [];
  return [
    {
      construct: kind,
      message: `${mode} has a ${kind} window (${args.replace(/time_col=\[[^\]]*\],?\s*|slice_end=\[[^\]]*\],?\s*/g, '')}) that is not the grain (${describeGrain(expected.grain)})`,
    },
  ];
}

function durationMs(text: string | undefined): number | null {
  const m = /^(\d+)\s*([a-z]+)$/.exec(text?.trim() ?? '');
  return m ? Number(m[1]) * (UNIT_MS[m[2]!] ?? NaN) : null;
}
