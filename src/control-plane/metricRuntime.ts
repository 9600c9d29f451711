import type { CompiledMetric, CompiledSource } from './compiler/compile.ts';
import type { MetricRuntime } from './protocol/ports.ts';
import { names } from './compiler/names.ts';

/** The protocol's view of one compiled metric version. */
export function metricRuntime(
  metric: CompiledMetric,
  source: CompiledSource,
  eventTime: string,
  /** The compiled dimensions the metric joins (`metric.dimensions`). */
  dimensions: readonly CompiledSource[] = [],
): MetricRuntime {
  return {
    metric: metric.name,
    version: metric.version,
    grainColumn: metric.grainColumn,
    grainSize: metric.grainSize,
    grainMs: metric.grainMs,
    grain: metric.grain,
    latenessMs: metric.latenessMs,
    keyColumns: metric.keyColumns,
    columns: metric.columns,
    sourceTopic: source.topic,
    deadLetterTopic: source.deadLetterTopic,
    sourceEventTime: eventTime,
    ingestionGroupId: source.ingestionGroupId,
    ingestionJobName: source.ingestionJobName,
    batchJobName: metric.batchJobName,
    masterTable: { namespace: source.masterTable.namespace, name: source.masterTable.name },
    batchTable: { namespace: metric.batchTable.namespace, name: metric.batchTable.name },
    speedTopic: metric.speedTopic,
    speedGroupId: names.speedGroup(metric.batchTable.namespace, metric.name, metric.version),
    batchScript: (cutover, masterSnapshotId, dimensionSnapshotIds) =>
      metric.batchScript(cutover.getTime(), masterSnapshotId, dimensionSnapshotIds),
    dimensions: dimensions.map((d) => ({
      name: d.name,
      topic: d.topic,
      deadLetterTopic: d.deadLetterTopic,
      ingestionGroupId: d.ingestionGroupId,
      ingestionJobName: d.ingestionJobName,
      masterTable: { namespace: d.masterTable.namespace, name: d.masterTable.name },
    })),
    qualityChecks: metric.quality.map((q) => ({ name: q.check, description: JSON.stringify(q) })),
  };
}
