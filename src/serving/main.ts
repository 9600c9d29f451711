import { DuckDBInstance } from '@duckdb/node-api';
import { IcebergCatalogClient } from '../iceberg/index.ts';
import { resolvePorts } from '../settings/ports.ts';
import { CatalogService } from './catalogService.ts';
import { DatasetStore } from './datasetStore.ts';
import { createHttpApi } from './httpApi.ts';
import { servingMetrics } from './metrics.ts';
import { SpeedLoader } from './speedLoader.ts';
import { SqlRunner } from './sqlRunner.ts';
import { ServingStore, type ReaderRole } from './store.ts';
import { UnionViews } from './unionViews.ts';

export interface ServingConfig {
  /** PostgreSQL, reached with the control plane's (owner) credential. */
  pgUrl: string;
  /** The role SQL clients log in with; serving creates it and grants it the views only. */
  reader: ReaderRole;
  httpPort: number;
  /** Where the HTTP API listens: loopback locally, all interfaces (0.0.0.0) in a cluster. */
  bindAddress: string;
  icebergUrl: string;
  kafkaBrokers: string[];
  controlToken: string;
  refreshMs: number;
  /** How long a view switch waits for its speed side to catch up before refusing. */
  catchUpMs: number;
}

/** Settings from the environment; the defaults are the local stack's. */
export function servingConfig(env: NodeJS.ProcessEnv = process.env): ServingConfig {
  const ports = resolvePorts(env);
  return {
    pgUrl:
      env.LAMBDALAKE_SERVING_PG_URL ??
      `postgres://lambdalake_owner:lambdalake-owner@127.0.0.1:${ports.servingPostgres}/lambdalake`,
    reader: {
      user: env.LAMBDALAKE_SQL_USER ?? 'lambdalake',
      password: env.LAMBDALAKE_SQL_PASSWORD ?? 'lambdalake',
    },
    httpPort: ports.servingHttp,
    bindAddress: env.LAMBDALAKE_SERVING_BIND ?? '127.0.0.1',
    icebergUrl: env.LAMBDALAKE_ICEBERG_URL ?? `http://127.0.0.1:${ports.icebergCatalog}`,
    kafkaBrokers: (env.LAMBDALAKE_KAFKA_BROKERS ?? `127.0.0.1:${ports.kafka}`).split(','),
    controlToken: env.LAMBDALAKE_SERVING_TOKEN ?? 'lambdalake-local-control-plane',
    refreshMs: Number(env.LAMBDALAKE_SERVING_REFRESH_MS ?? 5000),
    catchUpMs: Number(env.LAMBDALAKE_SERVING_CATCHUP_MS ?? 60_000),
  };
}

export interface RunningServing {
  config: ServingConfig;
  loader: SpeedLoader;
  close(): Promise<void>;
}

/**
 * Starts serving: prepares PostgreSQL (internal schema, reader role), competes for the loader lock,
 * serves every dataset the catalog holds, then listens on HTTP.
 */
export async function startServing(
  config: ServingConfig,
  log: (m: string) => void = (m) => process.stderr.write(`${new Date().toISOString()} ${m}\n`),
): Promise<RunningServing> {
  const catalog = new IcebergCatalogClient({ url: config.icebergUrl });
  const store = await ServingStore.open(config.pgUrl, config.reader);
  const kafka = SpeedLoader.kafkaFor(config.kafkaBrokers);
  const loader = new SpeedLoader(store, kafka, log);
  await loader.start();
  // DuckDB only reads the Parquet files of batch snapshots; it serves no query.
  const duckdb = await DuckDBInstance.create(':memory:', { threads: '2' });
  const duck = await duckdb.connect();
  const views = new UnionViews(store, catalog, duck, kafka, config.catchUpMs, log);
  const service = new CatalogService(new DatasetStore(catalog), views, log);
  log(`serving: ${await service.refresh()} dataset(s) applied from the catalog`);
  const runner = new SqlRunner(config.pgUrl);
  const metrics = servingMetrics(store, loader, kafka);
  const http = createHttpApi(
    service,
    runner,
    { controlToken: config.controlToken, reader: config.reader, metrics, log },
    () => ({ ok: true, datasets: service.list().length, loader: loader.stats() }),
  );
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.httpPort, config.bindAddress, () => resolve());
  });
  // Another replica (or a control plane talking to one) may change datasets: pick them up.
  let refreshing = false;
  const timer = setInterval(() => {
    if (refreshing) return;
    refreshing = true;
    service
      .refresh()
      .catch((e: unknown) => log(`serving: refresh failed: ${(e as Error).message}`))
      .finally(() => (refreshing = false));
  }, config.refreshMs);
  const target = new URL(config.pgUrl);
  log(
    `serving: HTTP on http://${config.bindAddress}:${config.httpPort}; SQL clients connect to PostgreSQL at ${target.hostname}:${target.port || 5432}${target.pathname} as ${config.reader.user}`,
  );
  return {
    config,
    loader,
    close: async () => {
      clearInterval(timer);
      http.closeAllConnections();
      await new Promise((r) => http.close(() => r(undefined)));
      await loader.close();
      await runner.close();
      await store.close();
      duck.closeSync();
      duckdb.closeSync();
    },
  };
}

/** Serves until SIGTERM or SIGINT, then closes the listeners and consumers and exits. */
export async function serveUntilSignalled(config: ServingConfig): Promise<void> {
  const running = await startServing(config);
  const stop = async (signal: string) => {
    process.stderr.write(`serving: ${signal}, closing\n`);
    await running.close().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

// Run directly (the stack spawns `node --import tsx src/serving/main.ts`), not when imported.
if (
  process.argv[1] &&
  import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').slice(-3).join('/'))
) {
  await serveUntilSignalled(servingConfig());
}
