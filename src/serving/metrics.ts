import type { Kafka } from 'kafkajs';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { quoteIdent } from './datasets.ts';
import { INTERNAL_SCHEMA } from './internalSchema.ts';
import type { SpeedLoader } from './speedLoader.ts';
import type { ServingStore } from './store.ts';

const internal = quoteIdent(INTERNAL_SCHEMA);

/** What serving exposes on GET /metrics (Prometheus text format). */
export interface ServingMetrics {
  registry: Registry;
  /** Times one HTTP SQL request (JSON job or Arrow). */
  observeQuery(endpoint: 'sql' | 'arrow', outcome: 'ok' | 'error', seconds: number): void;
}

/**
 * Serving's metrics. Everything about the store is read from PostgreSQL at scrape time (what is
 * served, publication ages, drift of the last publish, connections), so every replica reports the
 * same numbers; the loader's own progress comes from the replica holding the loader lock.
 */
export function servingMetrics(
  store: ServingStore,
  loader: SpeedLoader,
  kafka: Kafka,
): ServingMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lambdalake_serving_' });
  const queries = new Histogram({
    name: 'lambdalake_http_query_duration_seconds',
    help: 'Duration of SQL run through the HTTP API, by endpoint and outcome',
    labelNames: ['endpoint', 'outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'lambdalake_publication_age_seconds',
    help: 'Seconds since each served dataset last switched to a publication',
    labelNames: ['dataset'],
    registers: [registry],
    async collect() {
      this.reset();
      const { rows } = await store.pool.query<{ path: string; age: number }>(
        `SELECT path, extract(epoch FROM now() - applied_at)::float8 AS age FROM ${internal}.datasets`,
      );
      for (const r of rows) this.set({ dataset: r.path }, r.age);
    },
  });
  new Gauge({
    name: 'lambdalake_publication_cutover_timestamp_seconds',
    help: 'The cutover each union view serves (batch rows below it, speed rows from it on)',
    labelNames: ['dataset'],
    registers: [registry],
    async collect() {
      this.reset();
      const { rows } = await store.pool.query<{ path: string; cutover: number }>(
        `SELECT path, extract(epoch FROM cutover)::float8 AS cutover FROM ${internal}.datasets WHERE cutover IS NOT NULL`,
      );
      for (const r of rows) this.set({ dataset: r.path }, r.cutover);
    },
  });
  new Gauge({
    name: 'lambdalake_speed_lag_messages',
    help: 'Messages of each speed topic not yet applied to its PostgreSQL table',
    labelNames: ['topic', 'table'],
    registers: [registry],
    async collect() {
      this.reset();
      const { rows } = await store.pool.query<{
        name: string;
        topic: string;
        offsets: Record<string, string> | null;
      }>(
        `SELECT t.name, t.topic, (SELECT json_object_agg(o.kafka_partition, o.next_offset) FROM ${internal}.speed_offsets o WHERE o.table_name = t.name) AS offsets FROM ${internal}.speed_tables t`,
      );
      if (rows.length === 0) return;
      const admin = kafka.admin();
      await admin.connect();
      try {
        for (const r of rows) {
          const ends = await admin.fetchTopicOffsets(r.topic).catch(() => null);
          if (!ends) continue;
          const lag = ends.reduce(
            (sum, e) => sum + Math.max(0, Number(e.high) - Number(r.offsets?.[e.partition] ?? 0)),
            0,
          );
          this.set({ topic: r.topic, table: r.name }, lag);
        }
      } finally {
        await admin.disconnect();
      }
    },
  });
  new Gauge({
    name: 'lambdalake_speed_last_applied_age_seconds',
    help: 'Seconds since the active loader last committed rows of each speed table (this replica only)',
    labelNames: ['topic', 'table'],
    registers: [registry],
    collect() {
      this.reset();
      for (const t of loader.stats().tables)
        if (t.lastAppliedAt !== null)
          this.set({ topic: t.topic, table: t.table }, (Date.now() - t.lastAppliedAt) / 1000);
    },
  });
  new Gauge({
    name: 'lambdalake_loader_active',
    help: '1 on the replica holding the loader lock, 0 on standbys',
    registers: [registry],
    collect() {
      this.set(loader.isLeader ? 1 : 0);
    },
  });
  const driftGauge = (name: string, help: string, column: string) =>
    new Gauge({
      name,
      help,
      labelNames: ['schema', 'metric', 'measure'],
      registers: [registry],
      async collect() {
        this.reset();
        const { rows } = await store.pool.query<{
          schema_name: string;
          metric: string;
          measure: string;
          value: number | null;
        }>(
          `SELECT DISTINCT ON (schema_name, metric, measure) schema_name, metric, measure, ${column}::float8 AS value
           FROM ${internal}.drift ORDER BY schema_name, metric, measure, published_at DESC`,
        );
        for (const r of rows)
          if (r.value !== null)
            this.set({ schema: r.schema_name, metric: r.metric, measure: r.measure }, r.value);
      },
    });
  driftGauge(
    'lambdalake_drift_windows_differing',
    'Windows whose speed value differed from the batch value at the last publish',
    'windows_differing',
  );
  driftGauge(
    'lambdalake_drift_windows_one_side',
    'Windows present on one side only (speed or batch) at the last publish',
    'windows_only_speed + windows_only_batch',
  );
  driftGauge(
    'lambdalake_drift_max_relative',
    'Largest relative difference between speed and batch values at the last publish',
    'max_rel_diff',
  );
  new Gauge({
    name: 'lambdalake_sql_connections',
    help: 'Connections to the serving database, by role',
    labelNames: ['role'],
    registers: [registry],
    async collect() {
      this.reset();
      const { rows } = await store.pool.query<{ role: string | null; n: number }>(
        'SELECT usename AS role, count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() GROUP BY usename',
      );
      for (const r of rows) if (r.role) this.set({ role: r.role }, r.n);
    },
  });
  return {
    registry,
    observeQuery: (endpoint, outcome, seconds) => queries.observe({ endpoint, outcome }, seconds),
  };
}
