import { FlinkStatementError, SqlGatewayClient } from '../../flink/index.ts';
import { flinkInterval, parseDuration } from '../definitions/durations.ts';
import type { Project } from '../definitions/loadProject.ts';
import type { DefinitionProblem } from '../definitions/errors.ts';
import { ident } from './bindings.ts';
import { metricColumns } from './compile.ts';

export interface ExplainOutcome {
  metric: string;
  batch: string | null;
  streaming: string | null;
}

/**
 * Asks Flink itself whether each metric's SQL plans in BOTH modes: the source bound as a bounded
 * table (batch) and as a Kafka table with a watermark (streaming), the sink as in the real scripts
 * (any table in batch, upsert-kafka keyed by grain and keys in streaming). Null means it planned.
 */
export async function explainMetrics(
  project: Project,
  gatewayUrl: string,
): Promise<ExplainOutcome[]> {
  const client = new SqlGatewayClient({ url: gatewayUrl });
  const outcomes: ExplainOutcome[] = [];
  for (const loaded of project.metrics.values()) {
    const metric = loaded.definition;
    const source = project.sources.get(metric.source)!.definition;
    const cols = source.columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ');
    const out = metricColumns(metric, source);
    const outCols = out.map((c) => `${ident(c.name)} ${c.type}`).join(', ');
    const select = `SELECT ${out.map((c) => ident(c.name)).join(', ')} FROM (\n${loaded.sql}\n) AS lambdalake_metric`;
    const pk = [metric.grain.column, ...metric.keys].map(ident).join(', ');
    const attempt = async (mode: 'batch' | 'streaming', ddl: string[]): Promise<string | null> =>
      client.withSession(async (session) => {
        try {
          for (const statement of ddl) await client.executeStatement(session, statement);
          await client.executeStatement(session, `EXPLAIN INSERT INTO lambdalake_sink ${select}`, {
            executionConfig: { 'execution.runtime-mode': mode, 'table.local-time-zone': 'UTC' },
          });
          return null;
        } catch (error) {
          if (error instanceof FlinkStatementError) return error.rootCause;
          throw error;
        }
      });
    const batch = await attempt('batch', [
      `CREATE TEMPORARY TABLE ${ident(source.name)} (${cols}) WITH ('connector' = 'datagen', 'number-of-rows' = '1')`,
      `CREATE TEMPORARY TABLE lambdalake_sink (${outCols}) WITH ('connector' = 'blackhole')`,
    ]);
    const wm = `WATERMARK FOR ${ident(source.event_time)} AS ${ident(source.event_time)} - ${flinkInterval(parseDuration(source.watermark_delay)!)}`;
    const streaming = await attempt('streaming', [
      `CREATE TEMPORARY TABLE ${ident(source.name)} (${cols}, ${wm}) WITH ('connector' = 'kafka', 'topic' = 'explain', 'properties.bootstrap.servers' = '127.0.0.1:1', 'properties.group.id' = 'explain', 'scan.startup.mode' = 'latest-offset', 'format' = 'json')`,
      `CREATE TEMPORARY TABLE lambdalake_sink (${outCols}, PRIMARY KEY (${pk}) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', 'topic' = 'explain', 'properties.bootstrap.servers' = '127.0.0.1:1', 'key.format' = 'json', 'value.format' = 'json')`,
    ]);
    outcomes.push({ metric: metric.name, batch, streaming });
  }
  return outcomes;
}

/** EXPLAIN failures as definition problems pointing at the metric's SQL file, with both modes' messages. */
export function explainProblems(project: Project, outcomes: ExplainOutcome[]): DefinitionProblem[] {
  return outcomes
    .filter((o) => o.batch !== null || o.streaming !== null)
    .map((o) => {
      const loaded = project.metrics.get(o.metric)!;
      const which =
        o.batch && o.streaming
          ? 'in both modes'
          : o.batch
            ? 'in batch mode only (it plans in streaming)'
            : 'in streaming mode only (it plans in batch)';
      return {
        file: loaded.sqlFile,
        line: 1,
        column: 1,
        field: '',
        message: `Flink cannot plan this metric ${which}; a metric must run in both.\n    batch:     ${o.batch ?? 'ok'}\n    streaming: ${o.streaming ?? 'ok'}`,
      };
    });
}
