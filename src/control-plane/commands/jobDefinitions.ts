/**
 * What each ingestion and speed job is compiled to now, as recorded beside a running job
 * (definitionChanges.ts), and the master columns each source wants.
 */
import type { RuntimeBindings } from '../compiler/bindings.ts';
import { compileMetric, compileSource } from '../compiler/compile.ts';
import { icebergType } from '../compiler/icebergSchema.ts';
import { names } from '../compiler/names.ts';
import type { Project } from '../definitions/loadProject.ts';
import { jobDefinition, type JobDefinition } from '../protocol/definitionChanges.ts';
import { LEDGER_COLUMNS } from '../compiler/ledger.ts';
import type { DesiredMaster } from '../protocol/deployPlan.ts';

/**
 * Endpoints are left out of the comparison: the same deployment reached through another address
 * (a CLI and a test naming the broker differently) is not a definition change.
 */
function canonicalBindings(namespace: string): RuntimeBindings {
  return { catalogUri: 'catalog', catalogName: 'lake', namespace, kafkaBootstrap: 'kafka' };
}

/** Job name → what that job is compiled to from the current definitions. */
export function desiredJobDefinitions(
  project: Project,
  namespace: string,
): Map<string, JobDefinition> {
  const b = canonicalBindings(namespace);
  const out = new Map<string, JobDefinition>();
  for (const { definition: source } of project.sources.values()) {
    const compiled = compileSource(source, b);
    out.set(
      compiled.ingestionJobName,
      jobDefinition(compiled.ingestionScript, compiled.ingestionConfig, source.topic, {
        columns: source.columns.map((c) => `${c.name} ${c.type}`).join(', '),
      }),
    );
  }
  for (const { definition: metric, sql, shape } of project.metrics.values()) {
    const source = project.sources.get(metric.source)!.definition;
    const compiled = compileMetric(metric, source, sql, b, shape);
    out.set(
      compiled.speedJobName,
      // The start offset is not part of the definition: a restored job keeps its own.
      jobDefinition(compiled.streamingScript(0), compiled.streamingConfig, source.topic, {
        state_ttl: metric.speed.state_ttl,
        watermark_delay: source.watermark_delay,
      }),
    );
  }
  return out;
}

/** Each source's master table and the columns its definition wants, as Iceberg types. */
export function desiredMasters(project: Project, namespace: string): DesiredMaster[] {
  return [...project.sources.values()].map(({ file, definition }) => ({
    source: definition.name,
    file,
    table: { namespace, name: names.masterTable(definition.name) },
    // The ledger columns too: a master created before lambdalake recorded offsets gets them added.
    columns: [...definition.columns, ...LEDGER_COLUMNS].map((c) => ({
      name: c.name,
      type: icebergType(c.type),
    })),
  }));
}
