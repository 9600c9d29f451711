import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { z } from 'zod';
import { parseDuration } from './durations.ts';
import { describeGrain, grainOf, maxGrainMs } from './grain.ts';
import { checkMetricShape, stateTtlShortfall, type MetricShape } from './metricShape.ts';
import { DefinitionError, fieldPath, type DefinitionProblem } from './errors.ts';
import {
  metricSchema,
  sourceSchema,
  type MetricDefinition,
  type SourceDefinition,
} from './schema.ts';
import { readsTable } from './sqlShape.ts';
import { checkDimensionJoins, dimensionSourceProblems } from './dimensionJoins.ts';
import { checkDerived, type LoadedDerived } from './derivedChecks.ts';
import { derivedSchema } from './derivedSchema.ts';
import { parseLocatedYaml, type LocatedYaml } from './yamlFile.ts';

export interface LoadedSource {
  file: string;
  definition: SourceDefinition;
}

export interface LoadedMetric {
  file: string;
  sqlFile: string;
  /** The SELECT exactly as written (trailing semicolon and whitespace removed). */
  sql: string;
  /** What the text check found (the window TVF the streaming side replaces), kept for the compiler. */
  shape?: MetricShape;
  /** The dimensions its SQL joins on their key, by source name. */
  dimensions: string[];
  definition: MetricDefinition;
}

/** Everything in a project folder, validated and cross-checked. */
export interface Project {
  root: string;
  sources: Map<string, LoadedSource>;
  metrics: Map<string, LoadedMetric>;
  /** Derived metrics (pipelines/derived): views over other metrics' union views. */
  derived: Map<string, LoadedDerived>;
}

export type LoadResult =
  { ok: true; project: Project } | { ok: false; problems: DefinitionProblem[] };

/** Reads pipelines/sources, pipelines/metrics and their SQL; returns the project or every problem found. */
export async function loadProject(root: string): Promise<LoadResult> {
  const problems: DefinitionProblem[] = [];
  const sources = new Map<string, LoadedSource>();
  const metrics = new Map<string, LoadedMetric>();
  const located = new Map<string, LocatedYaml>();

  const invalidSources = new Set<string>();
  for (const file of await yamlFiles(join(root, 'pipelines', 'sources'))) {
    const parsed = await parseFile(root, file, sourceSchema, problems, located);
    if (!parsed) {
      // Its metrics are not also told that the source is unknown: the source's own errors say why.
      const name = (located.get(relative(root, file))?.value as { name?: unknown } | undefined)
        ?.name;
      if (typeof name === 'string') invalidSources.add(name);
      continue;
    }
    const where = located.get(parsed.file)!;
    if (sources.has(parsed.value.name))
      problems.push(
        at(
          where,
          ['name'],
          `duplicate source name '${parsed.value.name}' (also in ${sources.get(parsed.value.name)!.file})`,
        ),
      );
    checkSource(parsed.value, where, problems);
    sources.set(parsed.value.name, { file: parsed.file, definition: parsed.value });
  }
  const invalidMetrics = new Set<string>();
  for (const file of await yamlFiles(join(root, 'pipelines', 'metrics'))) {
    const parsed = await parseFile(root, file, metricSchema, problems, located);
    if (!parsed) {
      invalidMetrics.add(nameIn(located.get(relative(root, file))));
      continue;
    }
    const where = located.get(parsed.file)!;
    if (metrics.has(parsed.value.name))
      problems.push(
        at(
          where,
          ['name'],
          `duplicate metric name '${parsed.value.name}' (also in ${metrics.get(parsed.value.name)!.file})`,
        ),
      );
    const sqlFile = parsed.value.sql ?? join('sql', 'metrics', `${parsed.value.name}.sql`);
    let sql: string;
    try {
      sql = (await readFile(join(root, sqlFile), 'utf8')).replace(/;?\s*$/, '');
    } catch {
      problems.push(
        at(
          where,
          parsed.value.sql ? ['sql'] : ['name'],
          `SQL file ${sqlFile} not found: write the metric's SELECT there${parsed.value.sql ? '' : ', or set sql: to its path'}`,
        ),
      );
      continue;
    }
    const source = sources.get(parsed.value.source);
    if (!source) {
      if (!invalidSources.has(parsed.value.source))
        problems.push(
          at(
            where,
            ['source'],
            `unknown source '${parsed.value.source}': defined sources are ${[...sources.keys()].join(', ') || '(none)'}`,
          ),
        );
    }
    // A metric over a dimension is told only that: every other check would follow from it.
    if (source?.definition.kind === 'dimension')
      problems.push(
        at(
          where,
          ['source'],
          `'${source.definition.name}' is a dimension: a metric aggregates a fact source's events and may JOIN dimensions on their key`,
        ),
      );
    const checked =
      source && source.definition.kind !== 'dimension'
        ? checkMetric(parsed.value, source.definition, sql, sqlFile, where, problems, sources)
        : undefined;
    metrics.set(parsed.value.name, {
      file: parsed.file,
      sqlFile,
      sql,
      definition: parsed.value,
      shape: checked?.shape,
      dimensions: checked?.dimensions ?? [],
    });
  }
  const derived = await loadDerived(root, sources, metrics, invalidMetrics, problems, located);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, project: { root, sources, metrics, derived } };
}

function nameIn(yaml: LocatedYaml | undefined): string {
  const name = (yaml?.value as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : '';
}

/** pipelines/derived/*.yaml, checked against the metrics they read (derivedChecks.ts). */
async function loadDerived(
  root: string,
  sources: ReadonlyMap<string, LoadedSource>,
  metrics: ReadonlyMap<string, LoadedMetric>,
  notLoaded: ReadonlySet<string>,
  problems: DefinitionProblem[],
  located: Map<string, LocatedYaml>,
): Promise<Map<string, LoadedDerived>> {
  const inputs = new Map(
    [...metrics].map(([name, m]) => [
      name,
      { definition: m.definition, source: sources.get(m.definition.source)?.definition },
    ]),
  );
  const derived = new Map<string, LoadedDerived>();
  for (const file of await yamlFiles(join(root, 'pipelines', 'derived'))) {
    const parsed = await parseFile(root, file, derivedSchema, problems, located);
    if (!parsed) continue;
    const where = located.get(parsed.file)!;
    if (derived.has(parsed.value.name)) {
      problems.push(
        at(
          where,
          ['name'],
          `duplicate derived metric name '${parsed.value.name}' (also in ${derived.get(parsed.value.name)!.file})`,
        ),
      );
      continue;
    }
    const checked = checkDerived(parsed.value, where, inputs, notLoaded, problems);
    if (checked) derived.set(parsed.value.name, checked);
  }
  return derived;
}

/** loadProject that throws a DefinitionError listing every problem. */
export async function loadProjectOrThrow(root: string): Promise<Project> {
  const result = await loadProject(root);
  if (!result.ok) throw new DefinitionError(result.problems);
  return result.project;
}

async function yamlFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir))
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

async function parseFile<T extends z.ZodType>(
  root: string,
  path: string,
  schema: T,
  problems: DefinitionProblem[],
  located: Map<string, LocatedYaml>,
): Promise<{ file: string; value: z.infer<T> } | null> {
  const file = relative(root, path);
  const yaml = parseLocatedYaml(file, await readFile(path, 'utf8'));
  located.set(file, yaml);
  if (yaml.syntaxProblems.length > 0) {
    problems.push(...yaml.syntaxProblems);
    return null;
  }
  const result = schema.safeParse(yaml.value);
  if (!result.success) {
    for (const issue of result.error.issues)
      problems.push(at(yaml, issue.path, describeIssue(issue)));
    return null;
  }
  return { file, value: result.data };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}: remove or correct them`;
  // zod 4 leaves `input` out of issues unless asked, so a missing field is told by its message.
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message))
    return `is required (${issue.expected})`;
  return issue.message;
}

function at(where: LocatedYaml, path: readonly PropertyKey[], message: string): DefinitionProblem {
  return { file: where.file, ...where.locate(path), field: fieldPath(path), message };
}

function checkSource(
  source: SourceDefinition,
  where: LocatedYaml,
  problems: DefinitionProblem[],
): void {
  const names = source.columns.map((c) => c.name);
  const eventTime = source.columns.find((c) => c.name === source.event_time);
  if (!eventTime)
    problems.push(
      at(
        where,
        ['event_time'],
        `'${source.event_time}' is not a column: columns are ${names.join(', ')}`,
      ),
    );
  else if (eventTime.type !== 'TIMESTAMP(3)')
    problems.push(
      at(
        where,
        ['event_time'],
        `column '${source.event_time}' has type ${eventTime.type}; the event-time column must be TIMESTAMP(3)`,
      ),
    );
  if (source.dedupe_key && !names.includes(source.dedupe_key))
    problems.push(
      at(
        where,
        ['dedupe_key'],
        `'${source.dedupe_key}' is not a column: columns are ${names.join(', ')}`,
      ),
    );
  for (const p of dimensionSourceProblems(source)) problems.push(at(where, p.path, p.message));
  const seen = new Set<string>();
  source.columns.forEach((c, i) => {
    if (seen.has(c.name))
      problems.push(at(where, ['columns', i, 'name'], `duplicate column '${c.name}'`));
    seen.add(c.name);
  });
}

function checkMetric(
  metric: MetricDefinition,
  source: SourceDefinition,
  sql: string,
  sqlFile: string,
  where: LocatedYaml,
  problems: DefinitionProblem[],
  sources: ReadonlyMap<string, LoadedSource>,
): { shape: MetricShape; dimensions: string[] } {
  const grain = grainOf(metric.grain.size);
  const { problems: shapeProblems, shape } = checkMetricShape({
    sql,
    sqlFile,
    grain,
    grainColumn: metric.grain.column,
    keys: metric.keys,
    eventTime: source.event_time,
    source: source.name,
  });
  problems.push(...shapeProblems);
  const joins = checkDimensionJoins({
    sql,
    sqlFile,
    source,
    sources: new Map([...sources].map(([name, s]) => [name, s.definition])),
  });
  problems.push(...joins.problems);
  const joinedColumns = joins.dimensions.flatMap(
    (d) => sources.get(d)?.definition.columns.map((c) => c.name) ?? [],
  );
  const names = shape.outputs.map((o) => o.name);
  if (!readsTable(sql, source.name))
    problems.push(
      at(
        where,
        ['source'],
        `${sqlFile} does not read the source '${source.name}' (FROM ${source.name})`,
      ),
    );
  if (names.includes('*'))
    problems.push(
      at(
        where,
        ['measures'],
        `${sqlFile}'s outer SELECT has *: list its outputs by name (the grain, the keys and the measures), so the two modes' sinks have one schema`,
      ),
    );
  else if (!names.includes(metric.grain.column))
    problems.push(
      at(
        where,
        ['grain', 'column'],
        `grain column '${metric.grain.column}' is not an output of ${sqlFile}: outputs are ${names.join(', ')}. Without a time bucket of the event time a metric has no cutover.`,
      ),
    );
  const shortfall = stateTtlShortfall(metric.speed.state_ttl, maxGrainMs(grain), metric.lateness);
  if (shortfall > 0)
    problems.push(
      at(
        where,
        ['speed', 'state_ttl'],
        `state_ttl ${metric.speed.state_ttl} is shorter than the grain (${describeGrain(grain)}) plus lateness (${metric.lateness}): the speed job would expire a window's accumulators while it still updates (COUNT DISTINCT would count again). Set at least ${Math.ceil((maxGrainMs(grain) + (parseDuration(metric.lateness) ?? 0)) / 3_600_000)}h`,
      ),
    );
  metric.keys.forEach((key, i) => {
    if (!names.includes(key) && !names.includes('*'))
      problems.push(
        at(
          where,
          ['keys', i],
          `key column '${key}' is not an output of ${sqlFile}: outputs are ${names.join(', ')}`,
        ),
      );
  });
  metric.measures.forEach((m, i) => {
    if (!names.includes(m.name) && !names.includes('*'))
      problems.push(
        at(
          where,
          ['measures', i, 'name'],
          `measure '${m.name}' is not an output of ${sqlFile}: outputs are ${names.join(', ')}`,
        ),
      );
  });
  const declared = new Set([
    metric.grain.column,
    ...metric.keys,
    ...metric.measures.map((m) => m.name),
  ]);
  const undeclared = names.filter((n) => !declared.has(n) && n !== '*');
  if (undeclared.length > 0)
    problems.push(
      at(
        where,
        ['measures'],
        `outputs ${undeclared.join(', ')} of ${sqlFile} are neither the grain, a key nor a measure: declare them under keys or measures`,
      ),
    );
  metric.keys.forEach((key, i) => {
    if (
      !metric.key_types[key] &&
      !source.columns.some((c) => c.name === key) &&
      !joinedColumns.includes(key)
    )
      problems.push(
        at(
          where,
          ['keys', i],
          `key '${key}' is not a column of source '${source.name}'${joins.dimensions.length > 0 ? ` nor of the dimensions it joins (${joins.dimensions.join(', ')})` : ''}: a key the SQL computes is declared with its type, e.g. keys: [{ name: ${key}, type: STRING }]`,
        ),
      );
  });
  metric.quality.forEach((q, i) => {
    if (q.check === 'min_rows') return;
    q.columns.forEach((c, j) => {
      if (!declared.has(c))
        problems.push(
          at(
            where,
            ['quality', i, 'columns', j],
            `'${c}' is not a column of the metric: columns are ${[...declared].join(', ')}`,
          ),
        );
    });
  });
  return { shape, dimensions: joins.dimensions };
}
