import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadProjectOrThrow, type Project } from '../definitions/loadProject.ts';
import { compileProject, type CompiledMetric } from './compile.ts';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = resolve(here, '..', '..', '..', 'test', 'fixtures', 'dimensions');
const bindings = {
  catalogUri: 'http://127.0.0.1:18181',
  catalogName: 'lake',
  namespace: 'lambdalake',
  kafkaBootstrap: '127.0.0.1:19092',
};
const CUTOVER = Date.parse('2026-11-24T00:00:00Z');

function golden(name: string, actual: string): void {
  const file = join(here, '__golden__', 'dimensions', name);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('a metric joining a dimension, compiled', () => {
  let project: Project;
  let metric: CompiledMetric;
  beforeAll(async () => {
    project = await loadProjectOrThrow(fixture);
    const compiled = compileProject(project, bindings);
    metric = compiled.metrics.find((m) => m.name === 'revenue_by_category')!;
    expect(compiled.sources.map((s) => [s.name, s.kind])).toEqual([
      ['products', 'dimension'],
      ['sales', 'fact'],
    ]);
  });

  test('batch and streaming scripts match their golden files', () => {
    golden(
      'revenue_by_category.batch.sql',
      metric.batchScript(CUTOVER, '7393955914635036011', { products: '1234' }),
    );
    golden('revenue_by_category.streaming.sql', metric.streamingScript(CUTOVER - 60_000));
  });

  test('batch binds the dimension at the snapshot pinned with the master, over all history', () => {
    const script = metric.batchScript(CUTOVER, '42', { products: '1234' });
    expect(script).toContain(
      "FROM `lake`.`lambdalake`.`products_master` /*+ OPTIONS('snapshot-id' = '1234') */",
    );
    // The cutover restricts the fact only: the dimension's newest row applies to every window.
    expect(script.match(/< TIMESTAMP '2026-11-24 00:00:00.000'/g)).toHaveLength(1);
    expect(metric.batchScript(CUTOVER, null)).not.toContain("'snapshot-id' = '1234'");
  });

  test('streaming reads the whole compacted topic and keeps the newest row per key as a changelog', () => {
    const script = metric.streamingScript(CUTOVER - 60_000);
    expect(script).toMatch(/'topic' = 'products',[\s\S]*'scan.startup.mode' = 'earliest-offset'/);
    expect(script).toContain(
      'ROW_NUMBER() OVER (PARTITION BY `product_id` ORDER BY `updated_at` DESC) AS lambdalake_latest',
    );
    expect(script).toContain(`\n${metric.sql}\n`);
  });

  test('the version covers the dimension: changing its columns makes a new version', async () => {
    const products = project.sources.get('products')!.definition;
    const changed = new Map(project.sources);
    changed.set('products', {
      ...project.sources.get('products')!,
      definition: {
        ...products,
        columns: products.columns.map((c) =>
          c.name === 'category' ? { ...c, type: 'BIGINT' } : c,
        ),
      },
    });
    const again = compileProject({ ...project, sources: changed }, bindings).metrics[0]!;
    expect(again.version).not.toBe(metric.version);
  });
});
