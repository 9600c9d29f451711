// Budget (DESIGN §8): load, validate and compile 500 metric definitions (derived metrics included)
// in <= 2 s. Prints one JSON object: {metrics, derived, loadMs, compileMs, totalMs, peakRssMB, budgetMs}.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileProject, defaultBindings, loadProject } from '../src/control-plane/index.ts';

const COUNT = Number(process.env.BENCH_METRICS ?? 500);
// One definition in ten is a derived metric: ratios over two metrics, or over one.
const DERIVED = Number(process.env.BENCH_DERIVED ?? Math.floor(COUNT / 10));
const dir = mkdtempSync(join(tmpdir(), 'lambdalake-bench-compile-'));
cpSync('pipelines/sources', join(dir, 'pipelines/sources'), { recursive: true });
// A fact and a dimension, for the metrics that join (issue 17 item 3).
cpSync('test/fixtures/dimensions/pipelines/sources', join(dir, 'pipelines/sources'), {
  recursive: true,
});
// The examples plus the accepted shapes (window TVFs of 15 minutes and a week, a month, a derived
// key, a CTE with aliases), so the text shape check and the streaming rewrite are measured too.
const templates = [
  ...['daily_active_users', 'hourly_revenue', 'checkout_funnel'].map((name) => ({
    name,
    root: '.',
  })),
  ...[
    'quarter_hour_revenue',
    'weekly_orders',
    'monthly_orders',
    'order_size_bands',
    'hourly_views_by_country',
  ].map((name) => ({ name, root: 'test/fixtures/shapes' })),
  { name: 'revenue_by_category', root: 'test/fixtures/dimensions' },
  ...['purchases_by_country', 'product_views_by_country'].map((name) => ({
    name,
    root: 'test/fixtures/derived',
  })),
].map(({ name, root }) => ({
  name,
  yaml: readFileSync(`${root}/pipelines/metrics/${name}.yaml`, 'utf8'),
  sql: readFileSync(`${root}/sql/metrics/${name}.sql`, 'utf8'),
}));
mkdirSync(join(dir, 'pipelines/metrics'), { recursive: true });
mkdirSync(join(dir, 'sql/metrics'), { recursive: true });
const byTemplate = new Map<string, string[]>();
for (let i = 0; i < COUNT - DERIVED; i++) {
  const t = templates[i % templates.length]!;
  const name = `${t.name}_${i}`;
  byTemplate.set(t.name, [...(byTemplate.get(t.name) ?? []), name]);
  writeFileSync(
    join(dir, `pipelines/metrics/${name}.yaml`),
    t.yaml.replace(`name: ${t.name}`, `name: ${name}`),
  );
  // Each SQL differs, so each metric hashes to its own version.
  writeFileSync(
    join(dir, `sql/metrics/${name}.sql`),
    `${t.sql.trim().replace(/\bSELECT\b/, `SELECT /* variant ${i} */`)}\n`,
  );
}

mkdirSync(join(dir, 'pipelines/derived'), { recursive: true });
const conversion = readFileSync(
  'test/fixtures/derived/pipelines/derived/conversion_rate.yaml',
  'utf8',
);
for (let d = 0; d < DERIVED; d++) {
  const pick = (template: string) => {
    const names = byTemplate.get(template)!;
    return names[Math.floor(d / 2) % names.length]!;
  };
  const yaml =
    d % 2 === 0
      ? conversion
          .replace('name: conversion_rate', `name: conversion_rate_${d}`)
          .replace(
            '[purchases_by_country, product_views_by_country]',
            `[${pick('purchases_by_country')}, ${pick('product_views_by_country')}]`,
          )
      : [
          `name: average_order_value_${d}`,
          'description: Revenue per order, per UTC hour and product.',
          'owner: finance@example.com',
          `inputs: [${pick('hourly_revenue')}]`,
          'measures:',
          '  - name: average_order_value',
          "    type: 'DECIMAL(22,2)'",
          '    expr: revenue / NULLIF(orders, 0)',
        ].join('\n');
  writeFileSync(join(dir, `pipelines/derived/derived_${d}.yaml`), yaml);
}

let peak = process.memoryUsage().rss;
const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
const started = performance.now();
const result = await loadProject(dir);
const loaded = performance.now();
if (!result.ok)
  throw new Error(`bench project is invalid: ${JSON.stringify(result.problems.slice(0, 3))}`);
const compiled = compileProject(result.project, defaultBindings());
for (const m of compiled.metrics) {
  m.batchScript(Date.now(), null);
  m.streamingScript(Date.now());
}
const done = performance.now();
clearInterval(sample);
peak = Math.max(peak, process.memoryUsage().rss);
console.log(
  JSON.stringify({
    metrics: compiled.metrics.length + compiled.derived.length,
    withJoins: compiled.metrics.filter((m) => m.dimensions.length > 0).length,
    derived: compiled.derived.length,
    loadMs: Math.round(loaded - started),
    compileMs: Math.round(done - loaded),
    totalMs: Math.round(done - started),
    peakRssMB: Math.round(peak / 1024 / 1024),
    budgetMs: 2000,
  }),
);
rmSync(dir, { recursive: true, force: true });
