/**
 * A derived measure's expression (`COALESCE(purchases, 0) / NULLIF(product_views, 0)`): parsed into
 * a small tree that keeps every node's offset, so a problem points at the exact line and column
 * the data engineer wrote, and so the compiler can print it for PostgreSQL with each measure
 * reference bound to its input. The language is the arithmetic both Flink SQL and PostgreSQL read
 * the same way: numbers, measures, + - * / %, comparisons, AND/OR/NOT, IS [NOT] NULL, CASE,
 * CAST and a few functions.
 */

export type ExpressionNode =
  | { kind: 'number'; text: string; offset: number }
  | { kind: 'string'; text: string; offset: number }
  | { kind: 'literal'; text: 'NULL' | 'TRUE' | 'FALSE'; offset: number }
  | { kind: 'ref'; parts: string[]; offset: number }
  | { kind: 'unary'; op: '-' | 'NOT'; operand: ExpressionNode; offset: number }
  | { kind: 'binary'; op: string; left: ExpressionNode; right: ExpressionNode; offset: number }
  | { kind: 'isNull'; negated: boolean; operand: ExpressionNode; offset: number }
  | { kind: 'call'; name: string; args: ExpressionNode[]; offset: number }
  | { kind: 'cast'; operand: ExpressionNode; type: string; offset: number }
  | {
      kind: 'case';
      branches: { when: ExpressionNode; then: ExpressionNode }[];
      otherwise: ExpressionNode | null;
      offset: number;
    };

/** Functions PostgreSQL and Flink both have, with the same meaning, and how many arguments. */
export const EXPRESSION_FUNCTIONS: Record<string, { min: number; max: number }> = {
  NULLIF: { min: 2, max: 2 },
  COALESCE: { min: 1, max: 16 },
  GREATEST: { min: 1, max: 16 },
  LEAST: { min: 1, max: 16 },
  ABS: { min: 1, max: 1 },
  ROUND: { min: 1, max: 2 },
  FLOOR: { min: 1, max: 1 },
  CEIL: { min: 1, max: 1 },
};

export class ExpressionSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
    this.name = 'ExpressionSyntaxError';
  }
}

interface Token {
  kind: 'number' | 'string' | 'word' | 'quoted' | 'op' | 'end';
  text: string;
  offset: number;
}

const OPERATORS = [
  '<>',
  '!=',
  '<=',
  '>=',
  '(',
  ')',
  ',',
  '.',
  '+',
  '-',
  '*',
  '/',
  '%',
  '=',
  '<',
  '>',
];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const number = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i));
    if (number) {
      tokens.push({ kind: 'number', text: number[0], offset: i });
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (word) {
      tokens.push({ kind: 'word', text: word[0], offset: i });
      i += word[0].length;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && !(text[j] === c && text[j + 1] !== c)) j += text[j] === c ? 2 : 1;
      if (j >= text.length) throw new ExpressionSyntaxError(i, `unterminated ${c}…${c}`);
      const inner = text.slice(i + 1, j).replaceAll(c + c, c);
      tokens.push({ kind: c === "'" ? 'string' : 'quoted', text: inner, offset: i });
      i = j + 1;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (!op) throw new ExpressionSyntaxError(i, `unexpected '${c}'`);
    tokens.push({ kind: 'op', text: op, offset: i });
    i += op.length;
  }
  tokens.push({ kind: 'end', text: '', offset: text.length });
  return tokens;
}

/** Parses an expression; throws ExpressionSyntaxError with the offset of the first problem. */
export function parseExpression(text: string): ExpressionNode {
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at]!;
  const isWord = (w: string) => peek().kind === 'word' && peek().text.toUpperCase() === w;
  const isOp = (o: string) => peek().kind === 'op' && peek().text === o;
  const describe = (t: Token) => (t.kind === 'end' ? 'the end of the expression' : `'${t.text}'`);
  const expect = (what: string, ok: boolean): Token => {
    if (!ok)
      throw new ExpressionSyntaxError(peek().offset, `expected ${what}, found ${describe(peek())}`);
    return tokens[at++]!;
  };

  const orExpr = (): ExpressionNode => binaryLevel(andExpr, (t) => wordOp(t, ['OR']));
  const andExpr = (): ExpressionNode => binaryLevel(notExpr, (t) => wordOp(t, ['AND']));
  const notExpr = (): ExpressionNode => {
    if (!isWord('NOT')) return comparison();
    const offset = tokens[at++]!.offset;
    return { kind: 'unary', op: 'NOT', operand: notExpr(), offset };
  };
  const comparison = (): ExpressionNode => {
    const left = additive();
    if (isWord('IS')) {
      const offset = tokens[at++]!.offset;
      const negated = isWord('NOT') ? (at++, true) : false;
      expect('NULL', isWord('NULL'));
      return { kind: 'isNull', negated, operand: left, offset };
    }
    const op = ['=', '<>', '!=', '<', '<=', '>', '>='].find((o) => isOp(o));
    if (!op) return left;
    const offset = tokens[at++]!.offset;
    return { kind: 'binary', op: op === '!=' ? '<>' : op, left, right: additive(), offset };
  };
  const additive = (): ExpressionNode =>
    binaryLevel(multiplicative, (t) => symbolOp(t, ['+', '-']));
  const multiplicative = (): ExpressionNode =>
    binaryLevel(unary, (t) => symbolOp(t, ['*', '/', '%']));
  const unary = (): ExpressionNode => {
    if (!isOp('-')) return primary();
    const offset = tokens[at++]!.offset;
    return { kind: 'unary', op: '-', operand: unary(), offset };
  };
  const binaryLevel = (
    next: () => ExpressionNode,
    opOf: (t: Token) => string | null,
  ): ExpressionNode => {
    let left = next();
    for (let op = opOf(peek()); op; op = opOf(peek())) {
      const offset = tokens[at++]!.offset;
      left = { kind: 'binary', op, left, right: next(), offset };
    }
    return left;
  };
  const primary = (): ExpressionNode => {
    const t = peek();
    if (t.kind === 'number') return (at++, { kind: 'number', text: t.text, offset: t.offset });
    if (t.kind === 'string') return (at++, { kind: 'string', text: t.text, offset: t.offset });
    if (isOp('(')) {
      at++;
      const inner = orExpr();
      expect("')'", isOp(')'));
      return inner;
    }
    if (t.kind !== 'word' && t.kind !== 'quoted')
      throw new ExpressionSyntaxError(
        t.offset,
        `expected a measure, a number or '(', found ${describe(t)}`,
      );
    const upper = t.text.toUpperCase();
    if (t.kind === 'word' && (upper === 'NULL' || upper === 'TRUE' || upper === 'FALSE'))
      return (at++, { kind: 'literal', text: upper, offset: t.offset });
    if (t.kind === 'word' && upper === 'CASE') return caseExpr();
    at++;
    if (t.kind === 'word' && isOp('(')) return call(upper, t.offset);
    const parts = [t.text];
    while (isOp('.')) {
      at++;
      parts.push(
        expect('a name after "."', peek().kind === 'word' || peek().kind === 'quoted').text,
      );
    }
    return { kind: 'ref', parts, offset: t.offset };
  };
  const call = (name: string, offset: number): ExpressionNode => {
    at++; // (
    if (name === 'CAST') {
      const operand = orExpr();
      expect('AS', isWord('AS'));
      const typeStart = peek().offset;
      let depth = 0;
      while (peek().kind !== 'end' && !(depth === 0 && isOp(')'))) {
        if (isOp('(')) depth++;
        if (isOp(')')) depth--;
        at++;
      }
      const type = text.slice(typeStart, peek().offset).trim();
      expect("')'", isOp(')'));
      return { kind: 'cast', operand, type, offset };
    }
    const args: ExpressionNode[] = [];
    if (!isOp(')'))
      do args.push(orExpr());
      while (isOp(',') && (at++, true));
    expect("')' or ','", isOp(')'));
    return { kind: 'call', name, args, offset };
  };
  const caseExpr = (): ExpressionNode => {
    const offset = tokens[at++]!.offset;
    const branches: { when: ExpressionNode; then: ExpressionNode }[] = [];
    while (isWord('WHEN')) {
      at++;
      const when = orExpr();
      expect('THEN', isWord('THEN'));
      branches.push({ when, then: orExpr() });
    }
    if (branches.length === 0) expect('WHEN', false);
    const otherwise = isWord('ELSE') ? (at++, orExpr()) : null;
    expect('END', isWord('END'));
    return { kind: 'case', branches, otherwise, offset };
  };

  const tree = orExpr();
  if (peek().kind !== 'end')
    throw new ExpressionSyntaxError(
      peek().offset,
      `unexpected ${describe(peek())} after a complete expression`,
    );
  return tree;
}

function wordOp(t: Token, ops: string[]): string | null {
  return t.kind === 'word' && ops.includes(t.text.toUpperCase()) ? t.text.toUpperCase() : null;
}

function symbolOp(t: Token, ops: string[]): string | null {
  return t.kind === 'op' && ops.includes(t.text) ? t.text : null;
}

/** Every node of a tree, parents before children. */
export function* walk(node: ExpressionNode): Generator<ExpressionNode> {
  yield node;
  switch (node.kind) {
    case 'unary':
    case 'isNull':
    case 'cast':
      yield* walk(node.operand);
      break;
    case 'binary':
      yield* walk(node.left);
      yield* walk(node.right);
      break;
    case 'call':
      for (const a of node.args) yield* walk(a);
      break;
    case 'case':
      for (const b of node.branches) {
        yield* walk(b.when);
        yield* walk(b.then);
      }
      if (node.otherwise) yield* walk(node.otherwise);
      break;
    default:
      break;
  }
}
