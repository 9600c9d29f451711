import { createHash } from 'node:crypto';
import type { MetricDefinition, SourceDefinition } from '../definitions/schema.ts';

/**
 * Normalizes SQL for the version hash: comments removed and whitespace collapsed outside string
 * literals, so reformatting a query does not make a new version but changing a literal does.
 */
export function normalizeSql(sql: string): string {
  let out = '';
  let pendingSpace = false;
  const emit = (text: string) => {
    if (pendingSpace && out.length > 0) out += ' ';
    pendingSpace = false;
    out += text;
  };
  for (let i = 0; i < sql.length;) {
    const c = sql[i]!;
    if (c === "'") {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === "'" && sql[j + 1] !== "'")) j += sql[j] === "'" ? 2 : 1;
      emit(sql.slice(i, j + 1));
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      pendingSpace = true;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
      pendingSpace = true;
    } else if (/\s/.test(c)) {
      pendingSpace = true;
      i++;
    } else {
      emit(c);
      i++;
    }
  }
  return out;
}

/** The definition version: a hash of everything that changes results (DESIGN §4). */
export function metricVersion(
  metric: MetricDefinition,
  source: SourceDefinition,
  sql: string,
  dimensions: readonly SourceDefinition[] = [],
): string {
  const material = {
    // How a source is bound changes results too: since binding 2 (issue 14) bad records are dead
    // letters, the speed side deduplicates and its topic key is a surrogate. A version made under
    // binding 1 must not share a speed topic with binding 2 (the key bytes differ).
    binding: 2,
    sql: normalizeSql(sql),
    source: {
      columns: source.columns.map((c) => [c.name, c.type, c.required]),
      eventTime: source.event_time,
      eventTimeFormat: source.event_time_format,
      dedupe: source.dedupe_key ?? null,
    },
    grain: [metric.grain.column, metric.grain.size],
    // A derived key's declared type is part of the batch table's schema; a plain key stays a bare
    // name, so versions of metrics without derived keys are unchanged.
    keys: metric.keys.map((k) => (metric.key_types[k] ? [k, metric.key_types[k]] : k)),
    measures: metric.measures.map((m) => [m.name, m.type]),
    // What a joined dimension holds and how its newest row is chosen changes results; absent for
    // metrics without joins, so their versions are unchanged.
    ...(dimensions.length > 0
      ? {
          dimensions: dimensions.map((d) => ({
            name: d.name,
            key: d.key ?? [],
            columns: d.columns.map((c) => [c.name, c.type, c.required]),
            eventTime: d.event_time,
            eventTimeFormat: d.event_time_format,
          })),
        }
      : {}),
  };
  return createHash('sha256').update(JSON.stringify(material)).digest('hex').slice(0, 8);
}
