import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { formatProblem } from './errors.ts';
import { loadProject } from './loadProject.ts';
import { derivedJsonSchema } from './derivedSchema.ts';

const repo = resolve(import.meta.dirname, '..', '..', '..');
const here = import.meta.dirname;
const copies: string[] = [];
afterAll(() => copies.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** The example project plus test/fixtures/derived, with some files replaced. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lambdalake-derived-'));
  copies.push(dir);
  for (const root of [repo, join(repo, 'test', 'fixtures', 'derived')]) {
    cpSync(join(root, 'pipelines'), join(dir, 'pipelines'), { recursive: true });
    cpSync(join(root, 'sql'), join(dir, 'sql'), { recursive: true });
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function problems(files: Record<string, string>): Promise<string[]> {
  const result = await loadProject(project(files));
  return result.ok ? [] : result.problems.map(formatProblem);
}

const FILE = 'pipelines/derived/conversion_rate.yaml';
const conversion = readFileSync(join(repo, 'test/fixtures/derived', FILE), 'utf8');
const RATE_EXPR = 'expr: COALESCE(purchases, 0) / NULLIF(product_views, 0)';

/** Each refused shape: the derived YAML that shows it. */
const REFUSED: Record<string, string> = {
  unknown_input: conversion.replace('product_views_by_country]', 'product_view_by_country]'),
  grain_mismatch: conversion.replace('product_views_by_country]', 'daily_active_users]'),
  keys_not_shared: conversion.replace('product_views_by_country]', 'checkout_funnel]'),
  unknown_measure: conversion.replace(
    RATE_EXPR,
    'expr: COALESCE(purchases, 0) / NULLIF(product_view, 0)',
  ),
  ambiguous_measure: conversion
    .replace('product_views_by_country]', 'product_views_by_country, hourly_views]')
    .replace('keys: [country]', 'keys: [country]'),
  integer_ratio: conversion.replace('type: DECIMAL(10,4)', 'type: BIGINT'),
  division_without_nullif: conversion.replace(RATE_EXPR, 'expr: purchases / product_views'),
  syntax_error: conversion.replace(RATE_EXPR, 'expr: COALESCE(purchases, 0) / (product_views'),
  unknown_function: conversion.replace(RATE_EXPR, 'expr: SQRT(purchases)'),
  name_of_a_metric: conversion.replace('name: conversion_rate', 'name: purchases_by_country'),
  block_expression: conversion.replace(
    RATE_EXPR,
    'expr: |\n      COALESCE(purchases, 0)\n        / product_views',
  ),
  text_measure: conversion.replace(RATE_EXPR, 'expr: "CASE WHEN purchases > 0 THEN \'yes\' END"'),
};

/** A second metric with a measure named like one of product_views_by_country's. */
const HOURLY_VIEWS = {
  'pipelines/metrics/hourly_views.yaml': readFileSync(
    join(repo, 'test/fixtures/derived/pipelines/metrics/product_views_by_country.yaml'),
    'utf8',
  ).replace('name: product_views_by_country', 'name: hourly_views'),
  'sql/metrics/hourly_views.sql': readFileSync(
    join(repo, 'test/fixtures/derived/sql/metrics/product_views_by_country.sql'),
    'utf8',
  ),
};

/** Compares with a golden file; UPDATE_GOLDEN=1 rewrites it (review the diff, then commit). */
function golden(name: string, actual: string): void {
  const file = join(here, '__golden__', name);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

test('the derived fixture and a one-input ratio load without problems', async () => {
  expect(
    await problems({
      'pipelines/derived/average_order_value.yaml': [
        'name: average_order_value',
        'description: Revenue per order, per UTC hour and product.',
        'owner: finance@example.com',
        'inputs: [hourly_revenue]',
        'measures:',
        '  - name: average_order_value',
        "    type: 'DECIMAL(22,2)'",
        '    expr: revenue / NULLIF(orders, 0)',
      ].join('\n'),
    }),
  ).toEqual([]);
});

test('every refused derived metric is refused with its file:line:column, the construct and what to write instead', async () => {
  const report: string[] = [];
  for (const [name, yaml] of Object.entries(REFUSED)) {
    const found = await problems({ [FILE]: yaml, ...HOURLY_VIEWS });
    expect(found, name).not.toEqual([]);
    report.push(`== ${name}\n${found.join('\n')}\n`);
  }
  golden('refused-derived.txt', report.join('\n'));
});

test('an expression problem points inside the expression, also in a block scalar', async () => {
  expect(await problems({ [FILE]: REFUSED.division_without_nullif! })).toEqual([
    `${FILE}:11:23: measures[0].expr: a division by this fails every query of the view at a window where it is 0 (PostgreSQL raises division_by_zero): divide by NULLIF(<divisor>, 0), which makes such windows NULL`,
  ]);
  const [block] = await problems({ [FILE]: REFUSED.block_expression! });
  expect(block).toMatch(new RegExp(`^${FILE}:13:11: measures\\[0\\]\\.expr: a division by this`));
});

test('schemas/derived.schema.json is the derived schema (npm run gen:schemas)', () => {
  expect(JSON.parse(readFileSync(join(repo, 'schemas/derived.schema.json'), 'utf8'))).toEqual(
    derivedJsonSchema(),
  );
});
