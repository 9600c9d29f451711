import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { loadProjectOrThrow } from '../definitions/loadProject.ts';
import { compileProject } from './compile.ts';

const here = import.meta.dirname;
const repo = resolve(here, '..', '..', '..');
const bindings = {
  catalogUri: 'http://127.0.0.1:18181',
  catalogName: 'lake',
  namespace: 'lambdalake',
  kafkaBootstrap: '127.0.0.1:19092',
};
const copies: string[] = [];
afterAll(() => copies.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** test/fixtures/derived with the example sources, some files replaced. */
async function compiled(files: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lambdalake-derived-view-'));
  copies.push(dir);
  cpSync(join(repo, 'test/fixtures/derived'), dir, { recursive: true });
  cpSync(join(repo, 'pipelines/sources'), join(dir, 'pipelines/sources'), { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return compileProject(await loadProjectOrThrow(dir), bindings);
}

function golden(name: string, actual: string): void {
  const file = join(here, '__golden__', name);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

test('a derived metric compiles to one view over its inputs’ union views, joined on grain and keys', async () => {
  const { derived, metrics } = await compiled();
  const [view] = derived;
  expect(view!.path).toEqual(['metrics', 'conversion_rate']);
  expect(view!.inputs).toEqual(
    ['purchases_by_country', 'product_views_by_country'].map((m) => ({
      metric: m,
      version: metrics.find((x) => x.name === m)!.version,
    })),
  );
  expect(view!.columns.map((c) => `${c.name} ${c.type}`)).toEqual([
    'hour TIMESTAMP(3)',
    'country STRING',
    'conversion_rate DECIMAL(10,4)',
    'views_without_purchase BIGINT',
  ]);
  // It reads the union views by name, never a batch or speed table (one served pair per input).
  expect(view!.viewSql).not.toMatch(/__lambdalake|batch_|speed_/);
  golden('conversion_rate.derived.sql', view!.viewSql + '\n');
});

test('a new version of an input is a new version of the derived metric; its own expression too', async () => {
  const base = (await compiled()).derived[0]!;
  const sql = readFileSync(
    join(repo, 'test/fixtures/derived/sql/metrics/product_views_by_country.sql'),
    'utf8',
  );
  const inputChanged = (
    await compiled({
      'sql/metrics/product_views_by_country.sql': sql.replace("= 'view'", "IN ('view', 'cart')"),
    })
  ).derived[0]!;
  expect(inputChanged.version).not.toBe(base.version);
  expect(inputChanged.viewSql).toContain(`v${inputChanged.version} over`);
  const yaml = readFileSync(
    join(repo, 'test/fixtures/derived/pipelines/derived/conversion_rate.yaml'),
    'utf8',
  );
  const reformatted = (
    await compiled({
      'pipelines/derived/conversion_rate.yaml': yaml.replace(
        'COALESCE(purchases, 0) / NULLIF(product_views, 0)',
        'COALESCE(purchases,0)   /   NULLIF(product_views,0)',
      ),
    })
  ).derived[0]!;
  expect(reformatted.version).toBe(base.version);
  const changed = (
    await compiled({
      'pipelines/derived/conversion_rate.yaml': yaml.replace('DECIMAL(10,4)', 'DECIMAL(10,2)'),
    })
  ).derived[0]!;
  expect(changed.version).not.toBe(base.version);
});
