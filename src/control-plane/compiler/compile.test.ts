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
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadProjectOrThrow, type Project } from '../definitions/loadProject.ts';
import { compileProject, type CompiledProject } from './compile.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');
const bindings = {
  catalogUri: 'http://127.0.0.1:18181',
  catalogName: 'lake',
  namespace: 'lambdalake',
  kafkaBootstrap: '127.0.0.1:19092',
};
const CUTOVER = Date.parse('2026-11-24T00:00:00Z');
const START = Date.parse('2026-11-23T23:50:00Z');

/** Compares with a golden file; UPDATE_GOLDEN=1 rewrites it (review the diff, then commit). */
function golden(name: string, actual: string): void {
  const file = join(here, '__golden__', name);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('the compiler on the example pipelines', () => {
  let project: Project;
  let compiled: CompiledProject;
  beforeAll(async () => {
    project = await loadProjectOrThrow(root);
    compiled = compileProject(project, bindings);
  });

  test('every generated artefact matches its golden file', () => {
    for (const s of compiled.sources) {
      golden(`${s.name}.ingestion.sql`, s.ingestionScript);
      golden(`${s.name}.master-table.json`, JSON.stringify(s.masterTable, null, 2) + '\n');
    }
    for (const m of compiled.metrics) {
      golden(`${m.name}.batch.sql`, m.batchScript(CUTOVER, '7393955914635036011'));
      golden(`${m.name}.streaming.sql`, m.streamingScript(START));
      golden(`${m.name}.union.sql`, m.unionViewSql);
      golden(`${m.name}.batch-table.json`, JSON.stringify(m.batchTable, null, 2) + '\n');
    }
  });

  test("the metric's SQL text appears byte-identical inside both scripts", () => {
    for (const m of compiled.metrics) {
      const written = project.metrics.get(m.name)!.sql;
      expect(m.batchScript(CUTOVER, null)).toContain(`\n${written}\n`);
      expect(m.streamingScript(START)).toContain(`\n${written}\n`);
    }
  });

  test('a later speed generation writes its own topic and commits to its own group', () => {
    const m = compiled.metrics.find((x) => x.name === 'hourly_revenue')!;
    const script = m.streamingScript(START, 2);
    expect(script).toContain(`'topic' = '${m.speedTopic}.g2'`);
    expect(script).toContain(`-speed-hourly_revenue-v${m.version}-g2'`);
    expect(m.streamingScript(START)).toContain(`'topic' = '${m.speedTopic}'`);
  });

  test('the batch binds the source below the cutover and dedupes on the dedupe key', () => {
    const revenue = compiled.metrics.find((m) => m.name === 'hourly_revenue')!;
    const script = revenue.batchScript(CUTOVER, '42');
    expect(script).toContain("`event_time` < TIMESTAMP '2026-11-24 00:00:00.000'");
    expect(script).toContain('PARTITION BY `order_id`');
    expect(script).toContain("/*+ OPTIONS('snapshot-id' = '42') */");
    expect(script).toMatch(/INSERT OVERWRITE `lake`.`lambdalake`.`hourly_revenue__v[0-9a-f]{8}`/);
  });

  test('every Kafka table authenticates with the Kafka security binding, and versions do not change with it', () => {
    const secured = compileProject(project, {
      ...bindings,
      kafkaProperties: {
        'properties.security.protocol': 'SASL_SSL',
        'properties.sasl.mechanism': 'AWS_MSK_IAM',
      },
    });
    for (const s of secured.sources) {
      // The raw source table and the dead-letter sink.
      expect(
        s.ingestionScript.match(/'properties\.security\.protocol' = 'SASL_SSL'/g),
      ).toHaveLength(2);
    }
    for (const m of secured.metrics) {
      // The raw source table and the upsert-kafka speed sink.
      expect(
        m.streamingScript(START).match(/'properties\.sasl\.mechanism' = 'AWS_MSK_IAM'/g),
      ).toHaveLength(2);
      expect(m.version).toBe(compiled.metrics.find((x) => x.name === m.name)!.version);
    }
  });

  test('versions are stable, 8 hex digits, and differ per metric', () => {
    const versions = compiled.metrics.map((m) => m.version);
    expect(versions.every((v) => /^[0-9a-f]{8}$/.test(v))).toBe(true);
    expect(new Set(versions).size).toBe(versions.length);
    expect(compileProject(project, bindings).metrics.map((m) => m.version)).toEqual(versions);
  });
});

describe('the compiler on the accepted shapes (test/fixtures/shapes)', () => {
  let compiled: CompiledProject;
  let project: Project;
  const fixture = mkdtempSync(join(tmpdir(), 'lambdalake-shapes-'));
  beforeAll(async () => {
    cpSync(join(root, 'test', 'fixtures', 'shapes'), fixture, { recursive: true });
    cpSync(join(root, 'pipelines', 'sources'), join(fixture, 'pipelines', 'sources'), {
      recursive: true,
    });
    project = await loadProjectOrThrow(fixture);
    compiled = compileProject(project, bindings);
  });
  afterAll(() => rmSync(fixture, { recursive: true, force: true }));

  test('15-minute, week and month grains, a derived key and a CTE with aliases compile to their golden scripts', () => {
    expect(compiled.metrics.map((m) => m.name).sort()).toEqual([
      'hourly_views_by_country',
      'monthly_orders',
      'order_size_bands',
      'quarter_hour_revenue',
      'weekly_orders',
    ]);
    for (const m of compiled.metrics) {
      golden(`shapes/${m.name}.batch.sql`, m.batchScript(CUTOVER, '7393955914635036011'));
      golden(`shapes/${m.name}.streaming.sql`, m.streamingScript(START));
      golden(`shapes/${m.name}.batch-table.json`, JSON.stringify(m.batchTable, null, 2) + '\n');
    }
  });

  test('batch runs the window TVF as written; streaming groups by the same bucket continuously', () => {
    const quarter = compiled.metrics.find((m) => m.name === 'quarter_hour_revenue')!;
    const written = project.metrics.get('quarter_hour_revenue')!.sql;
    expect(quarter.batchScript(CUTOVER, null)).toContain(`\n${written}\n`);
    const streaming = quarter.streamingScript(START);
    expect(streaming).not.toMatch(/TUMBLE\s*\(/);
    expect(streaming).toContain('/ 15) * 15');
    const weekly = compiled.metrics.find((m) => m.name === 'weekly_orders')!;
    expect(weekly.streamingScript(START)).toContain("TIMESTAMP '1970-01-05 00:00:00'");
    // A derived key takes its declared type; the grain of a month is calendar-aware.
    const bands = compiled.metrics.find((m) => m.name === 'order_size_bands')!;
    expect(bands.columns).toContainEqual({ name: 'band', type: 'STRING' });
    expect(compiled.metrics.find((m) => m.name === 'monthly_orders')!.grain).toEqual({
      kind: 'month',
    });
  });
});
