import { bucketExpression, tumbleOf, type Grain } from '../definitions/grain.ts';
import type { MetricShape } from '../definitions/metricShape.ts';
import { ident } from './bindings.ts';

/**
 * The streaming side of a metric written with a window TVF. In streaming mode Flink's window
 * aggregate (WindowAggregate, Flink 2.1) emits a window's rows only when the watermark passes its
 * end: a 1-day grain would show nothing of today until midnight, breaking the freshness budget.
 * The streaming script therefore replaces `TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), size[, offset]))`
 * with the same rows plus plain (non-window) window_start / window_end / window_time columns
 * computed by the bucket expression TUMBLE uses (epoch-aligned, the same offset), so the metric's
 * GROUP BY window_start becomes an ordinary, continuously-updating group aggregate of the same
 * bucket. Batch runs the SQL as written; `validate` asks Flink to plan both.
 */
export function continuousStreamingSql(
  sql: string,
  shape: MetricShape,
  grain: Grain,
  eventTime: string,
): string {
  const t = shape.tumble;
  const window = tumbleOf(grain);
  if (!t || !window) return sql;
  const start = bucketExpression(ident(eventTime), grain);
  const sizeMinutes = window.sizeMs / 60_000;
  const end = `TIMESTAMPADD(MINUTE, ${sizeMinutes}, ${start})`;
  const replacement = `(SELECT *, ${start} AS window_start, ${end} AS window_end, ${end} - INTERVAL '0.001' SECOND AS window_time FROM ${ident(t.table)})`;
  return sql.slice(0, t.start) + replacement + sql.slice(t.end);
}
