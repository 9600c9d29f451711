import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { definitionJsonSchemas } from './schema.ts';
import { formatProblem } from './errors.ts';
import { loadProject } from './loadProject.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const copies: string[] = [];
afterAll(() => copies.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A copy of the example project with some files replaced. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lambdalake-defs-'));
  copies.push(dir);
  cpSync(join(repo, 'pipelines'), join(dir, 'pipelines'), { recursive: true });
  cpSync(join(repo, 'sql'), join(dir, 'sql'), { recursive: true });
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

const dau = readFileSync(join(repo, 'pipelines/metrics/daily_active_users.yaml'), 'utf8');

test('the examples load without problems', async () => {
  expect(await problems({})).toEqual([]);
});

test('a bad value names file, line, column, field and what is allowed', async () => {
  expect(
    await problems({
      'pipelines/metrics/daily_active_users.yaml': dau.replace(
        'grain: { column: day, size: 1 day }',
        'grain: { column: day, size: 7 minutes }',
      ),
    }),
  ).toEqual([
    "pipelines/metrics/daily_active_users.yaml:6:23: grain.size: '7 minutes' is not a grain: use a whole number of minutes or hours that divides a day ('1 minute', '5 minutes', '15 minutes', '2 hours', '6 hours'), '1 day', '1 week' (ISO, Monday, UTC) or '1 month' (UTC)",
  ]);
});

test('an unknown field and a missing field are both reported, together', async () => {
  const broken = dau
    .replace('owner: growth@example.com\n', '')
    .replace('lateness: 10m', 'latenes: 10m');
  expect((await problems({ 'pipelines/metrics/daily_active_users.yaml': broken })).sort()).toEqual([
    'pipelines/metrics/daily_active_users.yaml:2:1: lateness: is required (string)',
    'pipelines/metrics/daily_active_users.yaml:2:1: owner: is required (string)',
    "pipelines/metrics/daily_active_users.yaml:2:1: unknown field(s) 'latenes': remove or correct them",
  ]);
});

test('an unknown source lists the defined ones', async () => {
  const [p] = await problems({
    'pipelines/metrics/daily_active_users.yaml': dau.replace(
      'source: page_views',
      'source: pageviews',
    ),
  });
  expect(p).toBe(
    "pipelines/metrics/daily_active_users.yaml:5:1: source: unknown source 'pageviews': defined sources are orders, page_views",
  );
});

test('a grain that is not a time bucket of the event time is refused with the reason', async () => {
  const sql = readFileSync(join(repo, 'sql/metrics/daily_active_users.sql'), 'utf8').replace(
    'CAST(FLOOR(event_time TO DAY) AS TIMESTAMP(3)) AS `day`',
    'CAST(event_time AS TIMESTAMP(3)) AS `day`',
  );
  const [p] = await problems({ 'sql/metrics/daily_active_users.sql': sql });
  expect(p).toBe(
    "sql/metrics/daily_active_users.sql:2:3: grain column 'day' must be a time bucket of the event time: write CAST(FLOOR(event_time TO DAY) AS TIMESTAMP(3)) AS day; found 'CAST(event_time AS TIMESTAMP(3))'. Without a time bucket of the event time a metric has no cutover",
  );
});

test('a metric without its grain in the output has no cutover', async () => {
  const [p] = await problems({
    'pipelines/metrics/daily_active_users.yaml': dau.replace('column: day', 'column: date'),
  });
  expect(p).toContain(
    "grain.column: grain column 'date' is not an output of sql/metrics/daily_active_users.sql: outputs are day, country, active_users. Without a time bucket of the event time a metric has no cutover.",
  );
});

test('a key that is not in the output is located in the keys list', async () => {
  const [p] = await problems({
    'pipelines/metrics/daily_active_users.yaml': dau.replace(
      'keys: [country]',
      'keys: [country, city]',
    ),
  });
  expect(p).toMatch(/daily_active_users.yaml:7:\d+: keys\[1\]: key column 'city' is not an output/);
});

test('identifiers and topic names are checked', async () => {
  const src = readFileSync(join(repo, 'pipelines/sources/orders.yaml'), 'utf8')
    .replace('topic: orders', 'topic: "orders topic"')
    .replace('name: order_id', 'name: OrderId');
  const found = await problems({ 'pipelines/sources/orders.yaml': src });
  expect(found.some((p) => p.includes('topic: must be a Kafka topic name'))).toBe(true);
  expect(found.some((p) => p.includes('columns[0].name: must be a lowercase SQL identifier'))).toBe(
    true,
  );
});

test('duplicate metric names point at the second definition', async () => {
  const found = await problems({ 'pipelines/metrics/zz_copy.yaml': dau });
  expect(found).toContain(
    "pipelines/metrics/zz_copy.yaml:2:1: name: duplicate metric name 'daily_active_users' (also in pipelines/metrics/daily_active_users.yaml)",
  );
});

test('YAML syntax errors are located', async () => {
  const [p] = await problems({ 'pipelines/metrics/daily_active_users.yaml': 'name: [unclosed\n' });
  expect(p).toMatch(/^pipelines\/metrics\/daily_active_users.yaml:\d+:\d+: YAML syntax: /);
});

test('the committed JSON Schemas are the ones the zod schemas export', () => {
  const { source, metric } = definitionJsonSchemas();
  expect(JSON.parse(readFileSync(join(repo, 'schemas/source.schema.json'), 'utf8'))).toEqual(
    source,
  );
  expect(JSON.parse(readFileSync(join(repo, 'schemas/metric.schema.json'), 'utf8'))).toEqual(
    metric,
  );
});

test('a state_ttl shorter than the grain plus lateness is refused at the field, with the minimum', async () => {
  expect(
    await problems({
      'pipelines/metrics/daily_active_users.yaml': dau.replace('state_ttl: 2d', 'state_ttl: 1d'),
    }),
  ).toEqual([
    "pipelines/metrics/daily_active_users.yaml:12:10: speed.state_ttl: state_ttl 1d is shorter than the grain (1 day) plus lateness (10m): the speed job would expire a window's accumulators while it still updates (COUNT DISTINCT would count again). Set at least 25h",
  ]);
});

test('a key the SQL derives must be declared with its type', async () => {
  const sql = readFileSync(join(repo, 'sql/metrics/daily_active_users.sql'), 'utf8')
    .replace('  country,', '  UPPER(country) AS country_code,')
    .replace(
      'GROUP BY FLOOR(event_time TO DAY), country',
      'GROUP BY FLOOR(event_time TO DAY), UPPER(country)',
    );
  const derived = dau.replace(/\[country\]/g, '[country_code]');
  const yaml = derived;
  expect(
    await problems({
      'sql/metrics/daily_active_users.sql': sql,
      'pipelines/metrics/daily_active_users.yaml': yaml,
    }),
  ).toEqual([
    "pipelines/metrics/daily_active_users.yaml:7:8: keys[0]: key 'country_code' is not a column of source 'page_views': a key the SQL computes is declared with its type, e.g. keys: [{ name: country_code, type: STRING }]",
  ]);
  expect(
    await problems({
      'sql/metrics/daily_active_users.sql': sql,
      'pipelines/metrics/daily_active_users.yaml': derived.replace(
        'keys: [country_code]',
        'keys: [{ name: country_code, type: STRING }]',
      ),
    }),
  ).toEqual([]);
});

const revenue = readFileSync(join(repo, 'pipelines/metrics/hourly_revenue.yaml'), 'utf8');

test('a drift tolerance per measure is accepted and kept with the measure', async () => {
  const result = await loadProject(
    project({
      'pipelines/metrics/hourly_revenue.yaml': revenue.replace(
        "{ name: revenue, type: 'DECIMAL(22,2)' }",
        "{ name: revenue, type: 'DECIMAL(22,2)', drift_tolerance: { absolute: 0.5, relative: 0.01 } }",
      ),
    }),
  );
  expect(result.ok && result.project.metrics.get('hourly_revenue')!.definition.measures).toEqual([
    { name: 'revenue', type: 'DECIMAL(22,2)', drift_tolerance: { absolute: 0.5, relative: 0.01 } },
    { name: 'orders', type: 'BIGINT' },
  ]);
});

test('a bad drift tolerance names the field and what is accepted', async () => {
  const withTolerance = (tolerance: string, measure = 'revenue') =>
    problems({
      'pipelines/metrics/hourly_revenue.yaml': revenue.replace(
        measure === 'revenue'
          ? "{ name: revenue, type: 'DECIMAL(22,2)' }"
          : '{ name: orders, type: BIGINT }',
        measure === 'revenue'
          ? `{ name: revenue, type: 'DECIMAL(22,2)', drift_tolerance: ${tolerance} }`
          : `{ name: orders, type: STRING, drift_tolerance: ${tolerance} }`,
      ),
    });
  expect(await withTolerance('{}')).toEqual([
    'pipelines/metrics/hourly_revenue.yaml:9:45: measures[0].drift_tolerance: must declare absolute, relative or both, e.g. { absolute: 0.5, relative: 0.01 }',
  ]);
  expect(await withTolerance('{ absolute: -1 }')).toEqual([
    'pipelines/metrics/hourly_revenue.yaml:9:64: measures[0].drift_tolerance.absolute: must be 0 or more',
  ]);
  expect(await withTolerance("{ relative: '1%' }")).toEqual([
    'pipelines/metrics/hourly_revenue.yaml:9:64: measures[0].drift_tolerance.relative: Invalid input: expected number, received string',
  ]);
  expect(await withTolerance('{ absolute: 1, percent: 2 }')).toEqual([
    "pipelines/metrics/hourly_revenue.yaml:9:45: measures[0].drift_tolerance: unknown field(s) 'percent': remove or correct them",
  ]);
  expect(await withTolerance('{ absolute: 1 }', 'orders')).toEqual([
    'pipelines/metrics/hourly_revenue.yaml:10:35: measures[1].drift_tolerance: a tolerance needs a numeric measure (INT, BIGINT, DOUBLE or DECIMAL(p,s)); STRING drift is only equal or not, so remove drift_tolerance',
  ]);
});
