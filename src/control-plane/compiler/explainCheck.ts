import { FlinkStatementError, SqlGatewayClient } from '../../flink/index.ts';
import { flinkInterval, parseDuration } from '../definitions/durations.ts';
import type { Project } from '../definitions/loadProject.ts';
import type { DefinitionProblem } from '../definitions/errors.ts';
import { ident } from './bindings.ts';
import { metricColumns, streamingSqlOf } from './compile.ts';
import { grainOf } from '../definitions/grain.ts';
import { lineColumn, stripCommentsAndStrings } from '../definitions/sqlText.ts';
import { checkPlanShape, type PlanFinding } from './planShape.ts';
import { latestPerKey } from './dimensionBinding.ts';

export interface ExplainOutcome {
  metric: string;
  /** Flink's error planning the batch side, or null when it planned. */
  batch: string | null;
  streaming: string | null;
  /** What the plans Flink produced show that breaks the metric's shape (planShape.ts). */
  findings: { mode: 'batch' | 'streaming'; finding: PlanFinding }[];
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
    const dimensions = loaded.dimensions.map((d) => project.sources.get(d)!.definition);
    const colsOf = (s: typeof source) =>
      s.columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ');
    const out = metricColumns(metric, source, dimensions);
    const outCols = out.map((c) => `${ident(c.name)} ${c.type}`).join(', ');
    const select = (sql: string) =>
      `SELECT ${out.map((c) => ident(c.name)).join(', ')} FROM (\n${sql}\n) AS lambdalake_metric`;
    // Each mode plans the SQL it runs: streaming has window TVFs turned into continuous aggregates.
    const sqlOf = {
      batch: loaded.sql,
      streaming: streamingSqlOf(metric, source, loaded.sql, loaded.shape),
    };
    const findings: ExplainOutcome['findings'] = [];
    const expectation = { grain: grainOf(metric.grain.size), keys: metric.keys };
    const pk = [metric.grain.column, ...metric.keys].map(ident).join(', ');
    const attempt = async (mode: 'batch' | 'streaming', ddl: string[]): Promise<string | null> =>
      client.withSession(async (session) => {
        try {
          for (const statement of ddl) await client.executeStatement(session, statement);
          const explained = await client.executeStatement(
            session,
            `EXPLAIN INSERT INTO lambdalake_sink ${select(sqlOf[mode])}`,
            { executionConfig: { 'execution.runtime-mode': mode, 'table.local-time-zone': 'UTC' } },
          );
          const plan = explained.rows.map((r) => String(r.fields[0] ?? '')).join('\n');
          for (const finding of checkPlanShape(plan, { ...expectation, mode }))
            findings.push({ mode, finding });
          return null;
        } catch (error) {
          if (error instanceof FlinkStatementError) return error.rootCause;
          throw error;
        }
      });
    const batch = await attempt('batch', [
      `CREATE TEMPORARY TABLE ${ident(source.name)} (${cols}) WITH ('connector' = 'datagen', 'number-of-rows' = '1')`,
      ...dimensions.map(
        (d) =>
          `CREATE TEMPORARY TABLE ${ident(d.name)} (${colsOf(d)}) WITH ('connector' = 'datagen', 'number-of-rows' = '1')`,
      ),
      `CREATE TEMPORARY TABLE lambdalake_sink (${outCols}) WITH ('connector' = 'blackhole')`,
    ]);
    const wm = `WATERMARK FOR ${ident(source.event_time)} AS ${ident(source.event_time)} - ${flinkInterval(parseDuration(source.watermark_delay)!)}`;
    const streaming = await attempt('streaming', [
      `CREATE TEMPORARY TABLE ${ident(source.name)} (${cols}, ${wm}) WITH ('connector' = 'kafka', 'topic' = 'explain', 'properties.bootstrap.servers' = '127.0.0.1:1', 'properties.group.id' = 'explain', 'scan.startup.mode' = 'latest-offset', 'format' = 'json')`,
      // A dimension streams as its changelog: the newest row per key, as the speed job binds it.
      ...dimensions.flatMap((d) => [
        `CREATE TEMPORARY TABLE ${ident(`${d.name}__explain`)} (${colsOf(d)}) WITH ('connector' = 'kafka', 'topic' = 'explain', 'properties.bootstrap.servers' = '127.0.0.1:1', 'properties.group.id' = 'explain', 'scan.startup.mode' = 'earliest-offset', 'format' = 'json')`,
        `CREATE TEMPORARY VIEW ${ident(d.name)} AS ${latestPerKey(d, ident(`${d.name}__explain`), '')}`,
      ]),
      `CREATE TEMPORARY TABLE lambdalake_sink (${outCols}, PRIMARY KEY (${pk}) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', 'topic' = 'explain', 'properties.bootstrap.servers' = '127.0.0.1:1', 'key.format' = 'json', 'value.format' = 'json')`,
    ]);
    outcomes.push({ metric: metric.name, batch, streaming, findings });
  }
  return outcomes;
}

/**
 * EXPLAIN failures and plan-shape findings as definition problems in the metric's SQL file: a
 * failure shows both modes' messages; a finding is located at its construct in the SQL when the
 * text names it (else at 1:1), and a finding both modes share is reported once.
 */
export function explainProblems(project: Project, outcomes: ExplainOutcome[]): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  for (const o of outcomes) {
    const loaded = project.metrics.get(o.metric)!;
    if (o.batch !== null || o.streaming !== null) {
      const which =
        o.batch && o.streaming
          ? 'in both modes'
          : o.batch
            ? 'in batch mode only (it plans in streaming)'
            : 'in streaming mode only (it plans in batch)';
      problems.push({
        file: loaded.sqlFile,
        line: 1,
        column: 1,
        field: '',
        message: `Flink cannot plan this metric ${which}; a metric must run in both.\n    batch:     ${o.batch ?? 'ok'}\n    streaming: ${o.streaming ?? 'ok'}`,
      });
    }
    const seen = new Set<string>();
    for (const { finding } of o.findings) {
      const key = finding.message.replace(/Flink's (batch|streaming) plan/, '');
      if (seen.has(key)) continue;
      seen.add(key);
      problems.push({
        file: loaded.sqlFile,
        ...locate(loaded.sql, finding.construct),
        field: '',
        message: finding.message,
      });
    }
  }
  return problems;
}

function locate(sql: string, construct: string): { line: number; column: number } {
  const text = stripCommentsAndStrings(sql);
  const at = new RegExp(`\\b${construct.replace(/\s+/g, '\\s+')}\\b`, 'i').exec(text);
  return at ? lineColumn(sql, at.index) : { line: 1, column: 1 };
}
