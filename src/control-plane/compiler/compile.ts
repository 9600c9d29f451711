import { parseDuration } from '../definitions/durations.ts';
import type { Project } from '../definitions/loadProject.ts';
import type { MetricDefinition, QualityCheck, SourceDefinition } from '../definitions/schema.ts';
import { ident, lit, type RuntimeBindings } from './bindings.ts';
import { icebergSchema, masterPartitionSpec, type IcebergField } from './icebergSchema.ts';
import { deadLetterInsert, deadLetterTableDdl } from './deadLetters.ts';
import { names } from './names.ts';
import { grainOf, maxGrainMs, type Grain } from '../definitions/grain.ts';
import { checkMetricShape, type MetricShape } from '../definitions/metricShape.ts';
import { continuousStreamingSql } from './continuousWindow.ts';
import { speedKeyExpression, speedSinkDdl } from './speedSink.ts';
import { rawKafkaTableDdl, speedSourceView } from './sourceBinding.ts';
import { checkedViewName, checkedViewSql, RAW } from './validity.ts';
import { metricVersion } from './version.ts';
import { batchDimensionView, streamingDimensionBinding } from './dimensionBinding.ts';
import { LEDGER, LEDGER_COLUMNS, ledgerSelect } from './ledger.ts';
import { compileDerived, type CompiledDerived } from './derivedView.ts';

/** Ingestion commits to Iceberg on checkpoints: this bounds how stale a batch cycle's master can be. */
export const INGESTION_CHECKPOINT_INTERVAL = '1 s';

export interface TableSpec {
  namespace: string;
  name: string;
  schema: { type: 'struct'; 'schema-id': 0; fields: IcebergField[] };
  partitionSpec?: {
    'spec-id': 0;
    fields: { 'source-id': number; 'field-id': number; name: string; transform: string }[];
  };
  properties: Record<string, string>;
}

export interface CompiledSource {
  name: string;
  /** A dimension's topic is compacted (the newest row per key is what metrics join). */
  kind: 'fact' | 'dimension';
  topic: string;
  partitions: number;
  masterTable: TableSpec;
  /** Where the ingestion job writes the records it cannot accept, with a reason each. */
  deadLetterTopic: string;
  ingestionJobName: string;
  ingestionGroupId: string;
  /** Kafka → Iceberg master table, streaming, exactly-once into Iceberg on checkpoints. */
  ingestionScript: string;
  /** Per-statement config of the ingestion job. */
  ingestionConfig: Record<string, string>;
}

export interface CompiledMetric {
  name: string;
  version: string;
  source: string;
  /** The dimensions the SQL joins on their key (source names); the batch pins each one's snapshot. */
  dimensions: string[];
  sql: string;
  grainColumn: string;
  grainSize: string;
  /** A fixed grain's size; for weeks and months the longest bucket (7 and 31 days). */
  grainMs: number;
  /** The grain cutovers align to (calendar-aware for weeks and months). */
  grain: Grain;
  latenessMs: number;
  stateTtl: string;
  keyColumns: string[];
  columns: { name: string; type: string }[];
  quality: QualityCheck[];
  batchTable: TableSpec;
  speedTopic: string;
  speedJobName: string;
  batchJobName: string;
  /**
   * The batch script for a cutover over master snapshot `masterSnapshotId` (null: current), each
   * joined dimension at its snapshot in `dimensionSnapshotIds` (absent: current).
   */
  batchScript(
    cutoverMs: number,
    masterSnapshotId: string | null,
    dimensionSnapshotIds?: Readonly<Record<string, string>>,
  ): string;
  /**
   * The streaming script reading Kafka from `startMs` (cutover − lateness), writing speed topic
   * generation `generation` (0 unless the speed job was restarted without state; names.ts).
   */
  streamingScript(startMs: number, generation?: number): string;
  /** Per-statement config of the streaming job (runtime mode, state TTL, job name). */
  streamingConfig: Record<string, string>;
  /** The serving endpoint's union of the two sides; `batch` and `speed` are bound by the server. */
  unionViewSql: string;
}

export interface CompiledProject {
  sources: CompiledSource[];
  metrics: CompiledMetric[];
  /** Derived metrics: views over the metrics' union views (derivedView.ts). */
  derived: CompiledDerived[];
}

/** The compiler: a pure function from validated definitions and runtime bindings to everything that runs. */
export function compileProject(project: Project, bindings: RuntimeBindings): CompiledProject {
  const sources = [...project.sources.values()].map((s) => compileSource(s.definition, bindings));
  const metrics = [...project.metrics.values()].map((m) =>
    compileMetric(
      m.definition,
      project.sources.get(m.definition.source)!.definition,
      m.sql,
      bindings,
      m.shape,
      m.dimensions.map((d) => project.sources.get(d)!.definition),
    ),
  );
  const versions = new Map(metrics.map((m) => [m.name, m.version]));
  const derived = [...project.derived.values()].map((d) =>
    compileDerived(d, versions, bindings.namespace),
  );
  return { sources, metrics, derived };
}

function catalogDdl(b: RuntimeBindings): string {
  const warehouse = b.warehouse ? `, 'warehouse' = ${lit(b.warehouse)}` : '';
  return `CREATE CATALOG ${ident(b.catalogName)} WITH ('type' = 'iceberg', 'catalog-type' = 'rest', 'uri' = ${lit(b.catalogUri)}${warehouse});`;
}

function table(b: RuntimeBindings, name: string): string {
  return `${ident(b.catalogName)}.${ident(b.namespace)}.${ident(name)}`;
}

export function compileSource(source: SourceDefinition, b: RuntimeBindings): CompiledSource {
  const masterName = names.masterTable(source.name);
  const group = names.ingestionGroup(b.namespace, source.name);
  const rawName = `${source.name}__raw`;
  const deadLetters = `${source.name}__dead_letters`;
  const ingestionScript = [
    catalogDdl(b),
    // group-offsets: a restart without a checkpoint resumes from the offsets committed with the last checkpoint.
    rawKafkaTableDdl(
      rawName,
      source,
      b,
      {
        'properties.group.id': group,
        'scan.startup.mode': 'group-offsets',
        'properties.auto.offset.reset': 'earliest',
      },
      false,
    ),
    checkedViewSql(source, rawName),
    deadLetterTableDdl(deadLetters, names.deadLetterTopic(b.namespace, source.name), b),
    // One job, two sinks: valid records to the master table, the rest to the dead letters.
    `EXECUTE STATEMENT SET\nBEGIN\n${[
      // Columns by name: a column added later sits last in the evolved master schema, wherever the
      // definition lists it.
      `INSERT INTO ${table(b, masterName)} (${[...source.columns, ...LEDGER_COLUMNS].map((c) => ident(c.name)).join(', ')})\nSELECT ${source.columns.map((c) => ident(c.name)).join(', ')}, ${ledgerSelect(source)}\nFROM ${ident(checkedViewName(source))}\nWHERE ${ident(RAW.problem)} IS NULL;`,
      deadLetterInsert(deadLetters, source),
    ].join('\n')}\nEND;`,
  ].join('\n\n');
  return {
    name: source.name,
    kind: source.kind,
    topic: source.topic,
    partitions: source.partitions,
    masterTable: {
      namespace: b.namespace,
      name: masterName,
      schema: icebergSchema([...source.columns, ...LEDGER_COLUMNS]),
      partitionSpec: masterPartitionSpec(source),
      properties: {
        'lambdalake.kind': 'master',
        'lambdalake.source': source.name,
        'write.format.default': 'parquet',
      },
    },
    deadLetterTopic: names.deadLetterTopic(b.namespace, source.name),
    ingestionJobName: names.ingestionJob(b.namespace, source.name),
    ingestionGroupId: group,
    ingestionScript,
    ingestionConfig: {
      'execution.checkpointing.interval': INGESTION_CHECKPOINT_INTERVAL,
      // Completeness is proven on the master snapshot (protocol/completeness.ts), so any
      // parallelism is safe: committed offsets are no longer what the batch trusts.
      'parallelism.default': String(source.ingestion_parallelism),
      // Without it each INSERT of the statement set plans the checked view on its own, trimmed to
      // what it needs, and every record was parsed once per sink (Flink 2.1, EXPLAIN): with it the
      // view is one shared block and each sink only filters its rows.
      'table.optimizer.reuse-optimize-block-with-digest-enabled': 'true',
    },
  };
}

export function metricColumns(
  metric: MetricDefinition,
  source: SourceDefinition,
  dimensions: readonly SourceDefinition[] = [],
): { name: string; type: string }[] {
  const keyType = (k: string) =>
    metric.key_types[k] ??
    [source, ...dimensions].flatMap((s) => s.columns).find((c) => c.name === k)?.type ??
    'STRING';
  return [
    { name: metric.grain.column, type: 'TIMESTAMP(3)' },
    ...metric.keys.map((k) => ({ name: k, type: keyType(k) })),
    ...metric.measures.map((m) => ({ name: m.name, type: m.type })),
  ];
}

function flinkTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

export function compileMetric(
  metric: MetricDefinition,
  source: SourceDefinition,
  sql: string,
  b: RuntimeBindings,
  shape?: MetricShape,
  dimensions: readonly SourceDefinition[] = [],
): CompiledMetric {
  const version = metricVersion(metric, source, sql, dimensions);
  const columns = metricColumns(metric, source, dimensions);
  const outputList = columns.map((c) => ident(c.name)).join(', ');
  const batchName = names.batchTable(metric.name, version);
  const speedTopic = names.speedTopic(b.namespace, metric.name, version);
  const selectAll = source.columns.map((c) => ident(c.name)).join(', ');
  const sinkName = `${metric.name}__speed`;
  const rawName = `${source.name}__raw`;

  const batchScript = (
    cutoverMs: number,
    masterSnapshotId: string | null,
    dimensionSnapshotIds: Readonly<Record<string, string>> = {},
  ) => {
    const hint = masterSnapshotId
      ? ` /*+ OPTIONS('snapshot-id' = ${lit(masterSnapshotId)}) */`
      : '';
    const below = `${ident(source.event_time)} < TIMESTAMP ${lit(flinkTimestamp(cutoverMs))}`;
    // One row per dedupe key; without one, one row per Kafka record (partition and offset), so a
    // record ingested twice (an ingestion restart without a checkpoint) counts once.
    const once = source.dedupe_key
      ? ident(source.dedupe_key)
      : LEDGER_COLUMNS.map((c) => ident(c.name)).join(', ');
    // Rows written before the master had a ledger have none (NULL): each of those is kept.
    const keep = source.dedupe_key
      ? 'lambdalake_occurrence = 1'
      : `lambdalake_occurrence = 1 OR ${ident(LEDGER.offset)} IS NULL`;
    const view = `SELECT ${selectAll} FROM (\n  SELECT *, ROW_NUMBER() OVER (PARTITION BY ${once} ORDER BY ${ident(source.event_time)}) AS lambdalake_occurrence\n  FROM ${table(b, names.masterTable(source.name))}${hint}\n  WHERE ${below}\n) WHERE ${keep}`;
    return [
      catalogDdl(b),
      `-- The source name is bound to the master snapshot below the cutover, one row per ${source.dedupe_key ?? 'Kafka record'}.`,
      `CREATE TEMPORARY VIEW ${ident(source.name)} AS\n${view};`,
      ...dimensions.map((d) => batchDimensionView(d, b, dimensionSnapshotIds[d.name] || null)),
      `INSERT OVERWRITE ${table(b, batchName)}\nSELECT ${outputList} FROM (\n${sql}\n) AS lambdalake_metric;`,
    ].join('\n\n');
  };

  const grain = grainOf(metric.grain.size);
  const streamingSql = streamingSqlOf(metric, source, sql, shape);
  const streamingScript = (startMs: number, generation = 0) =>
    [
      rawKafkaTableDdl(
        rawName,
        source,
        b,
        {
          'properties.group.id': names.speedGroup(b.namespace, metric.name, version, generation),
          'scan.startup.mode': 'timestamp',
          'scan.startup.timestamp-millis': String(startMs),
        },
        true,
      ),
      checkedViewSql(source, rawName),
      speedSourceView(source),
      ...dimensions.flatMap((d) =>
        streamingDimensionBinding(
          d,
          b,
          names.speedGroup(b.namespace, metric.name, version, generation),
        ),
      ),
      speedSinkDdl(
        sinkName,
        names.speedTopic(b.namespace, metric.name, version, generation),
        columns,
        b,
      ),
      `INSERT INTO ${ident(sinkName)}\nSELECT ${speedKeyExpression([metric.grain.column, ...metric.keys])}, ${outputList} FROM (\n${streamingSql}\n) AS lambdalake_metric;`,
    ].join('\n\n');

  return {
    name: metric.name,
    version,
    source: source.name,
    dimensions: dimensions.map((d) => d.name),
    sql,
    grainColumn: metric.grain.column,
    grainSize: metric.grain.size,
    grainMs: maxGrainMs(grain),
    grain,
    latenessMs: parseDuration(metric.lateness)!,
    stateTtl: metric.speed.state_ttl,
    keyColumns: metric.keys,
    columns,
    quality: metric.quality,
    batchTable: {
      namespace: b.namespace,
      name: batchName,
      schema: icebergSchema(columns),
      properties: {
        'lambdalake.kind': 'batch-view',
        'lambdalake.metric': metric.name,
        'lambdalake.version': version,
        'write.format.default': 'parquet',
      },
    },
    speedTopic,
    speedJobName: names.speedJob(b.namespace, metric.name, version),
    batchJobName: names.batchJob(b.namespace, metric.name, version),
    batchScript,
    streamingScript,
    streamingConfig: {
      'execution.runtime-mode': 'streaming',
      'table.exec.state.ttl': `${parseDuration(metric.speed.state_ttl)! / 1000} s`,
      'table.local-time-zone': 'UTC',
      // The sink key is a function of the group key (speedSink.ts): no upsert materializer needed.
      'table.exec.sink.upsert-materialize': 'NONE',
      // A record crosses two network exchanges (dedupe, then the aggregation) and each waits up to
      // Flink's 100 ms default before flushing a buffer that is not full: most of the freshness
      // budget. 10 ms keeps batching under load and the exchanges off the latency path.
      'execution.buffer-timeout.interval': '10 ms',
      'pipeline.name': names.speedJob(b.namespace, metric.name, version),
    },
    unionViewSql: [
      `SELECT ${columns.map((c) => c.name).join(', ')} FROM batch WHERE ${metric.grain.column} < $cutover`,
      'UNION ALL',
      `SELECT ${columns.map((c) => c.name).join(', ')} FROM speed WHERE ${metric.grain.column} >= $cutover`,
    ].join('\n'),
  };
}

/** The metric's SQL as the streaming side runs it: window TVFs become continuous group aggregates. */
export function streamingSqlOf(
  metric: MetricDefinition,
  source: SourceDefinition,
  sql: string,
  known?: MetricShape,
): string {
  const grain = grainOf(metric.grain.size);
  // The loader already found the shape; recomputing it costs ~0.1 ms per metric (bench:compile).
  const shape =
    known ??
    checkMetricShape({
      sql,
      sqlFile: '',
      grain,
      grainColumn: metric.grain.column,
      keys: metric.keys,
      eventTime: source.event_time,
      source: source.name,
    }).shape;
  return continuousStreamingSql(sql, shape, grain, source.event_time);
}
