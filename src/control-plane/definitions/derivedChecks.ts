import { describeGrain, grainOf } from './grain.ts';
import type { DefinitionProblem } from './errors.ts';
import { fieldPath } from './errors.ts';
import {
  ExpressionSyntaxError,
  parseExpression,
  type ExpressionNode,
} from './derivedExpression.ts';
import type { DerivedDefinition } from './derivedSchema.ts';
import {
  checkExpression,
  declaredTypeProblem,
  type InputMeasure,
  type ValueKind,
} from './derivedTyping.ts';
import type { MetricDefinition, SourceDefinition } from './schema.ts';
import type { LocatedYaml } from './yamlFile.ts';

/** A derived metric, cross-checked against the metrics it reads. */
export interface LoadedDerived {
  file: string;
  definition: DerivedDefinition;
  /** The grain column of the view (the first input's), and the grain every input shares. */
  grainColumn: string;
  grainSize: string;
  keys: { name: string; type: string }[];
  /** Per input metric, in declaration order: its grain column and the measures the view reads. */
  inputs: { metric: string; grainColumn: string; measures: InputMeasure[] }[];
  measures: { name: string; type: string; expr: string; tree: ExpressionNode; kind: ValueKind }[];
}

/** What a derived metric needs to know of a metric it reads. */
export interface DerivedInputMetric {
  definition: MetricDefinition;
  source: SourceDefinition | undefined;
}

/** Names the view may not take: the drift view every schema has (src/serving/drift.ts). */
const RESERVED_VIEW_NAMES = new Set(['lambdalake_drift']);

/**
 * Checks a derived metric against the loaded metrics; every problem is located in its YAML (an
 * expression's problems at their line and column inside it). Null when it cannot be compiled.
 */
export function checkDerived(
  derived: DerivedDefinition,
  where: LocatedYaml,
  metrics: ReadonlyMap<string, DerivedInputMetric>,
  notLoaded: ReadonlySet<string>,
  problems: DefinitionProblem[],
): LoadedDerived | null {
  const before = problems.length;
  const at = (path: readonly PropertyKey[], message: string) =>
    problems.push({ file: where.file, ...where.locate(path), field: fieldPath(path), message });
  if (metrics.has(derived.name))
    at(
      ['name'],
      `'${derived.name}' is also a metric: a derived metric is served next to the metrics, so it needs a name of its own`,
    );
  if (RESERVED_VIEW_NAMES.has(derived.name))
    at(['name'], `${derived.name} is the drift view of every schema: choose another name`);

  const inputs: { name: string; def: DerivedInputMetric; index: number }[] = [];
  derived.inputs.forEach((name, index) => {
    const def = metrics.get(name);
    if (derived.inputs.indexOf(name) !== index)
      at(['inputs', index], `input '${name}' is listed twice`);
    // A metric whose own file has problems is reported there; saying "unknown" here would mislead.
    else if (def) inputs.push({ name, def, index });
    else if (!notLoaded.has(name))
      at(
        ['inputs', index],
        `unknown metric '${name}': inputs are metrics of pipelines/metrics (${[...metrics.keys()].join(', ') || 'none'})`,
      );
  });
  // The measures of an input that did not load are unknown: checking expressions would mislead.
  if (inputs.length === 0 || inputs.length < new Set(derived.inputs).size) return null;

  const first = inputs[0]!;
  const grainSize = first.def.definition.grain.size;
  for (const input of inputs.slice(1)) {
    const size = input.def.definition.grain.size;
    if (describeGrain(grainOf(size)) !== describeGrain(grainOf(grainSize)))
      at(
        ['inputs', input.index],
        `input '${input.name}' has grain ${describeGrain(grainOf(size))}, '${first.name}' has ${describeGrain(grainOf(grainSize))}: a derived metric joins windows of one grain; derive from metrics of the same grain`,
      );
  }

  const keys = derived.keys ?? first.def.definition.keys;
  const keyPath = derived.keys ? ['keys'] : ['inputs', first.index];
  const keyTypes = checkKeys(keys, keyPath, inputs, at);

  const measures = inputs.flatMap((input) =>
    input.def.definition.measures.map((m) => ({
      metric: input.name,
      measure: m.name,
      type: m.type,
    })),
  );
  const compiledMeasures: LoadedDerived['measures'] = [];
  const taken = new Set([first.def.definition.grain.column, ...keys]);
  derived.measures.forEach((m, i) => {
    if (taken.has(m.name))
      at(
        ['measures', i, 'name'],
        `'${m.name}' is already a column of the view (grain, key or an earlier measure): choose another name`,
      );
    taken.add(m.name);
    const exprPath = ['measures', i, 'expr'];
    const exprAt = (offset: number, message: string) =>
      problems.push({
        file: where.file,
        ...where.locateInValue(exprPath, offset),
        field: fieldPath(exprPath),
        message,
      });
    let tree: ExpressionNode;
    try {
      tree = parseExpression(m.expr);
    } catch (error) {
      if (!(error instanceof ExpressionSyntaxError)) throw error;
      exprAt(error.offset, `not an expression: ${error.message}`);
      return;
    }
    const checked = checkExpression(tree, measures);
    checked.problems.forEach((p) => exprAt(p.offset, p.message));
    const typeProblem = declaredTypeProblem(m.type, checked.kind);
    if (typeProblem) at(['measures', i, 'type'], typeProblem);
    compiledMeasures.push({ name: m.name, type: m.type, expr: m.expr, tree, kind: checked.kind });
  });

  if (problems.length > before) return null;
  return {
    file: where.file,
    definition: derived,
    grainColumn: first.def.definition.grain.column,
    grainSize,
    keys: keys.map((k) => ({ name: k, type: keyTypes.get(k)! })),
    inputs: inputs.map((input) => ({
      metric: input.name,
      grainColumn: input.def.definition.grain.column,
      measures: measures.filter((m) => m.metric === input.name),
    })),
    measures: compiledMeasures,
  };
}

/**
 * Every input must have exactly the view's keys, of one type: a row of the view is then one row of
 * each input (an input with more keys has several rows per window, which a ratio cannot pick from).
 */
function checkKeys(
  keys: string[],
  keyPath: PropertyKey[],
  inputs: { name: string; def: DerivedInputMetric; index: number }[],
  at: (path: readonly PropertyKey[], message: string) => void,
): Map<string, string> {
  const types = new Map<string, string>();
  for (const input of inputs) {
    const own = input.def.definition.keys;
    const missing = keys.filter((k) => !own.includes(k));
    const extra = own.filter((k) => !keys.includes(k));
    if (missing.length > 0 || extra.length > 0) {
      at(
        ['inputs', input.index],
        `input '${input.name}' has keys [${own.join(', ')}], the view joins on [${keys.join(', ')}]${missing.length ? `: ${missing.join(', ')} missing` : ''}${extra.length ? `${missing.length ? ',' : ':'} ${extra.join(', ')} not joined on (it would give several rows per window)` : ''}. Every input needs exactly the view's keys`,
      );
      continue;
    }
    for (const key of keys) {
      const type =
        input.def.definition.key_types[key] ??
        input.def.source?.columns.find((c) => c.name === key)?.type ??
        'STRING';
      const seen = types.get(key);
      if (seen && seen !== type)
        at(
          keyPath,
          `key '${key}' is ${seen} in '${inputs[0]!.name}' and ${type} in '${input.name}': joined keys need one type`,
        );
      else types.set(key, type);
    }
  }
  return types;
}
