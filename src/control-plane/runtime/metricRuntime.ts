import type { CompiledMetric, CompiledSource } from '../compiler/compile.ts';
import type { MetricRuntime } from '../orchestrator/ports.ts';
import { names } from '../compiler/names.ts';

/** The orchestrator's view of one compiled metric version. */
export function metricRuntime(
  metric: CompiledMetric,
  source: CompiledSource,
  eventTime: string,
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
    batchScript: (cutover, masterSnapshotId) =>
      metric.batchScript(cutover.getTime(), masterSnapshotId),
    qualityChecks: metric.quality.map((q) => ({ name: q.check, description: JSON.stringify(q) })),
  };
}
