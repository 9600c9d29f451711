import { EXPRESSION_FUNCTIONS, walk, type ExpressionNode } from './derivedExpression.ts';

/**
 * What a derived measure's expression computes, checked before anything runs: every measure it
 * names exists in exactly one input, arithmetic is over numbers, a division cannot fail a whole
 * query on a zero, and the declared type can hold the result (a ratio is not an integer).
 */
export type ValueKind = 'integer' | 'decimal' | 'double' | 'boolean' | 'string' | 'null';

/** A measure an expression may name: `metric.measure`, or `measure` alone when only one input has it. */
export interface InputMeasure {
  metric: string;
  measure: string;
  type: string;
}

export interface ExpressionProblem {
  offset: number;
  message: string;
}

/** The kind of values of a Flink column type. */
export function kindOfType(type: string): ValueKind {
  const t = type.toUpperCase().replace(/\s+/g, '');
  if (t === 'INT' || t === 'BIGINT' || t === 'INTEGER' || t === 'SMALLINT' || t === 'TINYINT')
    return 'integer';
  if (t.startsWith('DECIMAL')) return 'decimal';
  if (t === 'DOUBLE' || t === 'FLOAT') return 'double';
  if (t === 'BOOLEAN') return 'boolean';
  return 'string';
}

const NUMERIC = new Set<ValueKind>(['integer', 'decimal', 'double', 'null']);

function widest(kinds: ValueKind[]): ValueKind {
  if (kinds.includes('double')) return 'double';
  if (kinds.includes('decimal')) return 'decimal';
  if (kinds.includes('integer')) return 'integer';
  return kinds.find((k) => k !== 'null') ?? 'null';
}

/** Resolves a reference to an input measure, or says why it cannot. */
export function resolveMeasure(
  parts: string[],
  measures: readonly InputMeasure[],
): InputMeasure | string {
  const listed = () =>
    measures.map((m) => `${m.metric}.${m.measure}`).join(', ') || '(the inputs have none)';
  if (parts.length === 2) {
    const found = measures.find((m) => m.metric === parts[0] && m.measure === parts[1]);
    return found ?? `unknown measure '${parts.join('.')}': the inputs' measures are ${listed()}`;
  }
  if (parts.length > 2)
    return `'${parts.join('.')}' is not a measure: write <metric>.<measure> or the measure alone`;
  const named = measures.filter((m) => m.measure === parts[0]);
  if (named.length === 1) return named[0]!;
  if (named.length > 1)
    return `'${parts[0]}' is a measure of ${named.map((m) => m.metric).join(' and ')}: write ${named.map((m) => `${m.metric}.${m.measure}`).join(' or ')}`;
  return `unknown measure '${parts[0]}': the inputs' measures are ${listed()} (a measure alone when only one input has it)`;
}

/** Checks an expression over the inputs' measures; returns its value kind and every problem. */
export function checkExpression(
  tree: ExpressionNode,
  measures: readonly InputMeasure[],
): { kind: ValueKind; problems: ExpressionProblem[] } {
  const problems: ExpressionProblem[] = [];
  const problem = (offset: number, message: string) => problems.push({ offset, message });
  const numeric = (node: ExpressionNode, kind: ValueKind, what: string) => {
    if (!NUMERIC.has(kind)) problem(startOf(node), `${what} needs a number, and this is ${kind}`);
  };

  const kindOf = (node: ExpressionNode): ValueKind => {
    switch (node.kind) {
      case 'number':
        return /[eE]/.test(node.text) ? 'double' : node.text.includes('.') ? 'decimal' : 'integer';
      case 'string':
        return 'string';
      case 'literal':
        return node.text === 'NULL' ? 'null' : 'boolean';
      case 'ref': {
        const found = resolveMeasure(node.parts, measures);
        if (typeof found === 'string') {
          problem(node.offset, found);
          return 'null';
        }
        return kindOfType(found.type);
      }
      case 'unary': {
        const k = kindOf(node.operand);
        if (node.op === 'NOT') return 'boolean';
        numeric(node.operand, k, "'-'");
        return k;
      }
      case 'isNull':
        kindOf(node.operand);
        return 'boolean';
      case 'binary':
        return binaryKind(node);
      case 'cast': {
        numeric(node.operand, kindOf(node.operand), 'CAST');
        if (
          !/^(INT|BIGINT|DOUBLE|DECIMAL\(\d{1,2},\d{1,2}\))$/i.test(node.type.replace(/\s+/g, ''))
        )
          problem(
            node.offset,
            `CAST to ${node.type}: a derived measure computes with numbers; cast to INT, BIGINT, DOUBLE or DECIMAL(p,s)`,
          );
        return kindOfType(node.type);
      }
      case 'case': {
        for (const b of node.branches) kindOf(b.when);
        return widest([
          ...node.branches.map((b) => kindOf(b.then)),
          ...(node.otherwise ? [kindOf(node.otherwise)] : []),
        ]);
      }
      case 'call':
        return callKind(node);
    }
  };

  const binaryKind = (node: Extract<ExpressionNode, { kind: 'binary' }>): ValueKind => {
    const left = kindOf(node.left);
    const right = kindOf(node.right);
    if (
      node.op === 'AND' ||
      node.op === 'OR' ||
      ['=', '<>', '<', '<=', '>', '>='].includes(node.op)
    )
      return 'boolean';
    numeric(node.left, left, `'${node.op}'`);
    numeric(node.right, right, `'${node.op}'`);
    if (node.op === '%' && (left === 'double' || right === 'double'))
      problem(
        node.offset,
        `'%' of a DOUBLE does not exist in PostgreSQL: CAST it to DECIMAL(p,s) first`,
      );
    if (node.op === '/') {
      checkDivisor(node.right, problem);
      // Integers are divided as exact decimals (see compiler/derivedView.ts), never truncated.
      return right === 'double' || left === 'double' ? 'double' : 'decimal';
    }
    return widest([left, right]);
  };

  const callKind = (node: Extract<ExpressionNode, { kind: 'call' }>): ValueKind => {
    const arity = EXPRESSION_FUNCTIONS[node.name];
    const kinds = node.args.map(kindOf);
    if (!arity) {
      problem(
        node.offset,
        `${node.name}() is not available in a derived measure: use ${Object.keys(EXPRESSION_FUNCTIONS).join(', ')}, CAST, CASE and + - * / %`,
      );
      return 'null';
    }
    if (node.args.length < arity.min || node.args.length > arity.max)
      problem(
        node.offset,
        `${node.name}() takes ${arity.min === arity.max ? arity.min : `${arity.min} to ${arity.max}`} argument(s), got ${node.args.length}`,
      );
    node.args.forEach((a, i) => numeric(a, kinds[i]!, `${node.name}()`));
    if (node.name === 'NULLIF') return kinds[0] ?? 'null';
    if (node.name === 'ROUND' && node.args.length === 2 && kinds[0] === 'double')
      problem(
        node.offset,
        'ROUND(<DOUBLE>, places) does not exist in PostgreSQL: CAST the value to DECIMAL(p,s) first, or declare the measure DECIMAL(p,s), which rounds',
      );
    if (node.name === 'ROUND') return kinds[0] === 'double' ? 'double' : 'decimal';
    return widest(kinds);
  };

  const kind = kindOf(tree);
  return { kind, problems };
}

/**
 * PostgreSQL raises division_by_zero and fails the whole query, so one window with a zero
 * denominator would make the view unreadable: a divisor must be a non-zero number or NULLIF(…, 0).
 */
function checkDivisor(
  divisor: ExpressionNode,
  problem: (offset: number, message: string) => void,
): void {
  if (divisor.kind === 'number' && Number(divisor.text) !== 0) return;
  if (
    divisor.kind === 'call' &&
    divisor.name === 'NULLIF' &&
    divisor.args[1]?.kind === 'number' &&
    Number(divisor.args[1].text) === 0
  )
    return;
  const at = startOf(divisor);
  const shown = [...walk(divisor)].some((n) => n.kind === 'ref') ? 'a window where it is 0' : 'a 0';
  problem(
    at,
    `a division by this fails every query of the view at ${shown} (PostgreSQL raises division_by_zero): divide by NULLIF(<divisor>, 0), which makes such windows NULL`,
  );
}

/** Where a node's text begins (a binary node's offset is its operator's). */
function startOf(node: ExpressionNode): number {
  if (node.kind === 'binary') return startOf(node.left);
  if (node.kind === 'isNull') return startOf(node.operand);
  return node.offset;
}

/** Whether a declared measure type can hold a value of `kind` without losing what it means. */
export function declaredTypeProblem(declared: string, kind: ValueKind): string | null {
  const target = kindOfType(declared);
  if (kind === 'boolean' || kind === 'string')
    return `the expression is a ${kind}: a derived measure is a number`;
  if (target === 'integer' && (kind === 'decimal' || kind === 'double'))
    return `the expression is ${kind === 'double' ? 'a DOUBLE' : 'a DECIMAL (a division or a decimal operand)'} but the measure is declared ${declared}, which would truncate it: declare DECIMAL(p,s) or DOUBLE`;
  return null;
}
