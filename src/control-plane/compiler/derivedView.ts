import { createHash } from 'node:crypto';
import type { LoadedDerived } from '../definitions/derivedChecks.ts';
import { resolveMeasure, kindOfType, type InputMeasure } from '../definitions/derivedTyping.ts';
import type { ExpressionNode } from '../definitions/derivedExpression.ts';
import { servingSchema } from './names.ts';

/**
 * A derived metric compiles to one PostgreSQL view over its inputs' union views, registered in
 * serving like any SQL dataset (and so stored as an Iceberg view too). It reads the union views by
 * name, never their batch or speed tables: each union view switches version or cutover in one
 * transaction, so a query of the derived view sees each input as one served pair, and never a mix
 * of two versions of an input, whatever switches while it runs.
 */
export interface CompiledDerived {
  name: string;
  /** Hash of the definition and of the versions of its inputs. */
  version: string;
  inputs: { metric: string; version: string }[];
  grainColumn: string;
  grainSize: string;
  keyColumns: string[];
  columns: { name: string; type: string }[];
  /** `[schema, name]` in serving, next to the union views. */
  path: string[];
  /** The view's SQL as serving runs it; the header comment names the versions it was made for. */
  viewSql: string;
}

/** Bumped when the generated SQL changes meaning, so every derived view gets a new version. */
const DERIVED_SQL_FORM = 1;

/** The derived metric's version: its definition and its inputs' versions (DESIGN §4). */
export function derivedVersion(
  derived: LoadedDerived,
  inputVersions: ReadonlyMap<string, string>,
): string {
  const material = {
    form: DERIVED_SQL_FORM,
    inputs: derived.inputs.map((i) => [i.metric, inputVersions.get(i.metric)]),
    grain: [derived.grainColumn, derived.grainSize],
    keys: derived.keys.map((k) => [k.name, k.type]),
    // The expression as it runs: reformatting it is not a new version, changing it is.
    measures: derived.measures.map((m) => [
      m.name,
      m.type,
      expressionSql(
        m.tree,
        derived.inputs.flatMap((i) => i.measures),
      ),
    ]),
  };
  return createHash('sha256').update(JSON.stringify(material)).digest('hex').slice(0, 8);
}

/** Compiles a checked derived metric over the compiled versions of its inputs. */
export function compileDerived(
  derived: LoadedDerived,
  inputVersions: ReadonlyMap<string, string>,
  namespace: string,
): CompiledDerived {
  const version = derivedVersion(derived, inputVersions);
  const schema = servingSchema(namespace);
  const inputs = derived.inputs.map((i) => ({
    metric: i.metric,
    version: inputVersions.get(i.metric)!,
  }));
  const header = `/* lambdalake derived metric ${derived.definition.name} v${version} over ${inputs.map((i) => `${i.metric} v${i.version}`).join(', ')} */`;
  return {
    name: derived.definition.name,
    version,
    inputs,
    grainColumn: derived.grainColumn,
    grainSize: derived.grainSize,
    keyColumns: derived.keys.map((k) => k.name),
    columns: [
      { name: derived.grainColumn, type: 'TIMESTAMP(3)' },
      ...derived.keys,
      ...derived.measures.map((m) => ({ name: m.name, type: m.type })),
    ],
    path: [schema, derived.definition.name],
    viewSql: `${header}\n${derivedViewSql(derived, schema)}`,
  };
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The column of the joined rows that holds `metric.measure`. */
const joinedColumn = (m: InputMeasure) => q(`${m.metric}.${m.measure}`);

/**
 * The join of the inputs on grain and keys, as one UNION ALL grouped by grain and keys rather than
 * a FULL JOIN: GROUP BY matches NULL keys with NULL keys (a NULL key is a group of its own in every
 * metric), which join equality does not. Each input has one row per window, so max() of its
 * column is that row's value, or NULL when the input has no row for the window.
 */
export function derivedViewSql(derived: LoadedDerived, schema: string): string {
  const grain = q(derived.grainColumn);
  const keys = derived.keys.map((k) => q(k.name));
  const all = derived.inputs.flatMap((i) => i.measures);
  const branches = derived.inputs.map((input) => {
    const values = all.map((m) =>
      m.metric === input.metric
        ? `${operandCast(q(m.measure), m.type)} AS ${joinedColumn(m)}`
        : `${operandCast('NULL', m.type)} AS ${joinedColumn(m)}`,
    );
    const inputGrain =
      input.grainColumn === derived.grainColumn ? grain : `${q(input.grainColumn)} AS ${grain}`;
    return `    SELECT ${[inputGrain, ...keys, ...values].join(', ')}\n    FROM ${q(schema)}.${q(input.metric)}`;
  });
  const measures = derived.measures.map(
    (m) => `CAST(${expressionSql(m.tree, all)} AS ${postgresNumericType(m.type)}) AS ${q(m.name)}`,
  );
  return [
    `SELECT ${[grain, ...keys, ...measures].join(', ')}`,
    'FROM (',
    `  SELECT ${[grain, ...keys, ...all.map((m) => `max(${joinedColumn(m)}) AS ${joinedColumn(m)}`)].join(', ')}`,
    '  FROM (',
    branches.join('\n    UNION ALL\n'),
    '  ) AS lambdalake_inputs',
    `  GROUP BY ${[grain, ...keys].join(', ')}`,
    ') AS lambdalake_joined',
  ].join('\n');
}

/**
 * Integer measures are read as numeric so that `/` divides exactly (PostgreSQL's bigint / bigint
 * truncates: 3 / 4 = 0); the declared type then rounds once, at the end.
 */
function operandCast(value: string, type: string): string {
  return `CAST(${value} AS ${kindOfType(type) === 'double' ? 'double precision' : 'numeric'})`;
}

/** PostgreSQL's type for a derived measure's declared (numeric) Flink type. */
export function postgresNumericType(type: string): string {
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(type);
  if (decimal) return `numeric(${decimal[1]},${decimal[2]})`;
  const simple: Record<string, string> = {
    INT: 'integer',
    BIGINT: 'bigint',
    DOUBLE: 'double precision',
  };
  return simple[type] ?? type;
}

/** The expression as PostgreSQL text, each measure reference bound to its joined column. */
export function expressionSql(node: ExpressionNode, measures: readonly InputMeasure[]): string {
  const sql = (n: ExpressionNode) => expressionSql(n, measures);
  switch (node.kind) {
    case 'number':
      return node.text;
    case 'string':
      return `'${node.text.replace(/'/g, "''")}'`;
    case 'literal':
      return node.text;
    case 'ref': {
      const found = resolveMeasure(node.parts, measures);
      if (typeof found === 'string') throw new Error(`unchecked expression: ${found}`);
      return joinedColumn(found);
    }
    case 'unary':
      return node.op === 'NOT' ? `(NOT ${sql(node.operand)})` : `(-${sql(node.operand)})`;
    case 'binary':
      return `(${sql(node.left)} ${node.op} ${sql(node.right)})`;
    case 'isNull':
      return `(${sql(node.operand)} IS ${node.negated ? 'NOT ' : ''}NULL)`;
    case 'cast':
      return `CAST(${sql(node.operand)} AS ${postgresNumericType(node.type.toUpperCase().replace(/\s+/g, ''))})`;
    case 'call':
      return `${node.name}(${node.args.map(sql).join(', ')})`;
    case 'case':
      return `CASE ${node.branches.map((b) => `WHEN ${sql(b.when)} THEN ${sql(b.then)}`).join(' ')}${node.otherwise ? ` ELSE ${sql(node.otherwise)}` : ''} END`;
  }
}
