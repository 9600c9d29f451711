import { expect, test } from 'vitest';
import { expressionSql } from '../compiler/derivedView.ts';
import { ExpressionSyntaxError, parseExpression } from './derivedExpression.ts';
import { checkExpression, type InputMeasure } from './derivedTyping.ts';

const measures: InputMeasure[] = [
  { metric: 'a', measure: 'views', type: 'BIGINT' },
  { metric: 'b', measure: 'purchases', type: 'BIGINT' },
  { metric: 'b', measure: 'revenue', type: 'DECIMAL(22,2)' },
  { metric: 'b', measure: 'score', type: 'DOUBLE' },
];
const printed = (text: string) => expressionSql(parseExpression(text), measures);
const kind = (text: string) => checkExpression(parseExpression(text), measures);

test('precedence and associativity are SQL’s, printed with explicit parentheses', () => {
  expect(printed('views - purchases - 1')).toBe('(("a.views" - "b.purchases") - 1)');
  expect(printed('views + purchases * 2')).toBe('("a.views" + ("b.purchases" * 2))');
  expect(printed('-views * 2')).toBe('((-"a.views") * 2)');
  expect(printed('b.revenue / NULLIF(a.views, 0)')).toBe('("b.revenue" / NULLIF("a.views", 0))');
  expect(printed('case when views > 0 and purchases is not null then 1 else 0 end')).toBe(
    'CASE WHEN (("a.views" > 0) AND ("b.purchases" IS NOT NULL)) THEN 1 ELSE 0 END',
  );
  expect(printed('CAST(views AS decimal(10, 2))')).toBe('CAST("a.views" AS numeric(10,2))');
});

test('the value kind follows the operands; a division is a decimal, never a truncated integer', () => {
  expect(kind('views - purchases')).toEqual({ kind: 'integer', problems: [] });
  expect(kind('purchases / NULLIF(views, 0)')).toEqual({ kind: 'decimal', problems: [] });
  expect(kind('score * 2')).toEqual({ kind: 'double', problems: [] });
  expect(kind('revenue / 2')).toEqual({ kind: 'decimal', problems: [] });
});

test('a syntax error carries the offset where the expression stops making sense', () => {
  const offsetOf = (text: string) => {
    try {
      parseExpression(text);
      return null;
    } catch (error) {
      return error instanceof ExpressionSyntaxError ? [error.offset, error.message] : null;
    }
  };
  expect(offsetOf('views +')).toEqual([
    7,
    "expected a measure, a number or '(', found the end of the expression",
  ]);
  expect(offsetOf('views purchases')).toEqual([
    6,
    "unexpected 'purchases' after a complete expression",
  ]);
  expect(offsetOf('views ; 1')).toEqual([6, "unexpected ';'"]);
});

test('a divisor is refused unless it is NULLIF(…, 0) or a non-zero number, at the divisor', () => {
  expect(kind('views / 0').problems.map((p) => p.offset)).toEqual([8]);
  expect(kind('views / (purchases + 1)').problems.map((p) => p.offset)).toEqual([9]);
  expect(kind('views / 100').problems).toEqual([]);
});
