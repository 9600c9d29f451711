import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  cpSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { checkDimensionJoins, dimensionSourceProblems } from './dimensionJoins.ts';
import { formatProblem } from './errors.ts';
import { loadProject } from './loadProject.ts';
import { sourceSchema, type SourceDefinition } from './schema.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..', '..');

const source = (fields: Record<string, unknown>): SourceDefinition =>
  sourceSchema.parse({ topic: 't', event_time: 'event_time', ...fields });
const ts = { name: 'event_time', type: 'TIMESTAMP(3)' };
const SOURCES = new Map(
  [
    source({
      name: 'sales',
      columns: [{ name: 'sale_id', type: 'STRING' }, { name: 'product_id', type: 'STRING' }, ts],
    }),
    source({
      name: 'orders',
      columns: [{ name: 'order_id', type: 'STRING' }, { name: 'product_id', type: 'STRING' }, ts],
    }),
    source({
      name: 'products',
      kind: 'dimension',
      key: ['product_id'],
      columns: [
        { name: 'product_id', type: 'STRING', required: true },
        { name: 'category', type: 'STRING' },
        ts,
      ],
    }),
    source({
      name: 'prices',
      kind: 'dimension',
      key: ['product_id', 'region'],
      columns: [
        { name: 'product_id', type: 'STRING', required: true },
        { name: 'region', type: 'STRING', required: true },
        { name: 'list_price', type: 'DECIMAL(10,2)' },
        ts,
      ],
    }),
  ].map((s) => [s.name, s]),
);

function check(name: string, sql: string): { problems: string[]; dimensions: string[] } {
  const result = checkDimensionJoins({
    sql,
    sqlFile: `sql/metrics/${name}.sql`,
    source: SOURCES.get('sales')!,
    sources: SOURCES,
  });
  return { problems: result.problems.map(formatProblem), dimensions: result.dimensions };
}

const HEAD =
  'SELECT CAST(FLOOR(s.event_time TO HOUR) AS TIMESTAMP(3)) AS bucket, p.category, COUNT(*) AS n\n';
const TAIL = '\nGROUP BY FLOOR(s.event_time TO HOUR), p.category';

const ACCEPTED: [string, string, string[]][] = [
  [
    'an alias',
    `${HEAD}FROM sales s\nJOIN products p ON p.product_id = s.product_id${TAIL}`,
    ['products'],
  ],
  [
    'AS and the key on the right',
    `${HEAD}FROM sales AS s\nINNER JOIN products AS p ON s.product_id = p.product_id AND p.category <> 'x'${TAIL}`,
    ['products'],
  ],
  [
    'LEFT JOIN keeps sales without a product',
    `${HEAD}FROM sales s\nLEFT OUTER JOIN products p ON (p.product_id = s.product_id)${TAIL}`,
    ['products'],
  ],
  ['USING', `${HEAD}FROM sales s\nJOIN products p USING (product_id)${TAIL}`, ['products']],
  [
    'no alias',
    'SELECT CAST(FLOOR(sales.event_time TO HOUR) AS TIMESTAMP(3)) AS bucket, products.category, COUNT(*) AS n\nFROM sales JOIN products ON products.product_id = sales.product_id\nGROUP BY FLOOR(sales.event_time TO HOUR), products.category',
    ['products'],
  ],
  [
    'a composite key in full',
    `${HEAD}FROM sales s\nJOIN products p ON p.product_id = s.product_id\nJOIN prices pr ON pr.product_id = s.product_id AND pr.region = 'eu'${TAIL}`,
    ['products', 'prices'],
  ],
  [
    'a CTE over the join, and EXTRACT(… FROM …)',
    `WITH enriched AS (\n  SELECT s.event_time, p.category, EXTRACT(HOUR FROM s.event_time) AS h\n  FROM sales s JOIN products p ON p.product_id = s.product_id\n)\nSELECT CAST(FLOOR(event_time TO HOUR) AS TIMESTAMP(3)) AS bucket, category, COUNT(*) AS n\nFROM enriched\nGROUP BY FLOOR(event_time TO HOUR), category`,
    ['products'],
  ],
  [
    'no dimension at all',
    'SELECT CAST(FLOOR(event_time TO HOUR) AS TIMESTAMP(3)) AS bucket, COUNT(*) AS n\nFROM (SELECT * FROM sales) AS x\nGROUP BY FLOOR(event_time TO HOUR)',
    [],
  ],
];

for (const [name, sql, dimensions] of ACCEPTED)
  test(`accepted: ${name}`, () => {
    expect(check(name, sql)).toEqual({ problems: [], dimensions });
  });

const REFUSED: [string, string][] = [
  [
    'join_on_a_non_key_column',
    `${HEAD}FROM sales s\nJOIN products p ON p.category = s.product_id${TAIL}`,
  ],
  [
    'join_on_part_of_a_composite_key',
    `${HEAD}FROM sales s\nJOIN products p ON p.product_id = s.product_id\nJOIN prices pr ON pr.product_id = s.product_id${TAIL}`,
  ],
  [
    'key_equated_with_the_dimension_itself',
    `${HEAD}FROM sales s\nJOIN products p ON p.product_id = p.category${TAIL}`,
  ],
  ['join_without_on', `${HEAD}FROM sales s\nJOIN products p${TAIL}`],
  [
    'dimension_in_from',
    `${HEAD}FROM products p\nJOIN sales s ON p.product_id = s.product_id${TAIL}`,
  ],
  [
    'right_join',
    `${HEAD}FROM sales s\nRIGHT JOIN products p ON p.product_id = s.product_id${TAIL}`,
  ],
  [
    'full_join',
    `${HEAD}FROM sales s\nFULL OUTER JOIN products p ON p.product_id = s.product_id${TAIL}`,
  ],
  ['cross_join', `${HEAD}FROM sales s\nCROSS JOIN products p${TAIL}`],
  ['comma_join', `${HEAD}FROM sales s, products p\nWHERE p.product_id = s.product_id${TAIL}`],
  [
    'temporal_join',
    `${HEAD}FROM sales s\nJOIN products FOR SYSTEM_TIME AS OF s.event_time AS p ON p.product_id = s.product_id${TAIL}`,
  ],
  [
    'unknown_dimension',
    `${HEAD}FROM sales s\nJOIN productz p ON p.product_id = s.product_id${TAIL}`,
  ],
  ['two_facts', `${HEAD}FROM sales s\nJOIN orders o ON o.product_id = s.product_id${TAIL}`],
];

test('refused join shapes: the exact message and location of each (golden)', () => {
  const text = REFUSED.map(
    ([name, sql]) => `== ${name}\n${check(name, sql).problems.join('\n')}\n`,
  ).join('\n');
  const file = join(here, '__golden__', 'refused-joins.txt');
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, 'utf8'));
  for (const [name, sql] of REFUSED)
    expect(check(name, sql).problems.length, name).toBeGreaterThan(0);
});

test("a dimension's own declaration: key required, key columns required: true, no dedupe_key; key only on dimensions", () => {
  const problems = (fields: Record<string, unknown>) =>
    dimensionSourceProblems(
      source({ name: 'd', columns: [{ name: 'id', type: 'STRING' }, ts], ...fields }),
    ).map((p) => `${p.path.join('.')}: ${p.message}`);
  expect(problems({ kind: 'dimension' })).toEqual([
    'kind: a dimension needs key: the columns identifying a row (metrics join on them; the newest event_time per key wins)',
  ]);
  expect(problems({ kind: 'dimension', key: ['id', 'nope'], dedupe_key: 'id' })).toEqual([
    "key.0: key column 'id' must be declared required: true: a row without its key can be neither joined nor compacted",
    "key.1: 'nope' is not a column: columns are id, event_time",
    'dedupe_key: a dimension is deduplicated by its key (the newest event_time wins): remove dedupe_key',
  ]);
  expect(problems({ key: ['id'] })).toEqual([
    "key: key is for dimensions: add kind: dimension, or remove key (a fact source's events are identified by dedupe_key)",
  ]);
});

const copies: string[] = [];
afterAll(() => copies.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lambdalake-dims-'));
  copies.push(dir);
  cpSync(join(repo, 'test', 'fixtures', 'dimensions'), dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

test('the dimensions fixture loads: the metric joins products, and its key comes from the dimension', async () => {
  const result = await loadProject(fixture({}));
  expect(result.ok && result.project.metrics.get('revenue_by_category')?.dimensions).toEqual([
    'products',
  ]);
});

test('a metric over a dimension is refused at its YAML line (and only that); a key from neither fact nor dimension is refused', async () => {
  const yaml = readFileSync(
    join(repo, 'test/fixtures/dimensions/pipelines/metrics/revenue_by_category.yaml'),
    'utf8',
  );
  const problemsOf = async (text: string) => {
    const result = await loadProject(
      fixture({ 'pipelines/metrics/revenue_by_category.yaml': text }),
    );
    return result.ok ? [] : result.problems.map(formatProblem);
  };
  expect(await problemsOf(yaml.replace('source: sales', 'source: products'))).toEqual([
    "pipelines/metrics/revenue_by_category.yaml:5:1: source: 'products' is a dimension: a metric aggregates a fact source's events and may JOIN dimensions on their key",
  ]);
  // A key the fact lacks may come from a joined dimension (category does); one from neither is refused.
  expect(await problemsOf(yaml.replace('keys: [category]', 'keys: [category, colour]'))).toEqual([
    "pipelines/metrics/revenue_by_category.yaml:7:18: keys[1]: key column 'colour' is not an output of sql/metrics/revenue_by_category.sql: outputs are hour, category, revenue, sales",
    "pipelines/metrics/revenue_by_category.yaml:7:18: keys[1]: key 'colour' is not a column of source 'sales' nor of the dimensions it joins (products): a key the SQL computes is declared with its type, e.g. keys: [{ name: colour, type: STRING }]",
  ]);
});
