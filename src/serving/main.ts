import { IcebergCatalogClient } from '../iceberg/index.ts';
import { resolvePorts } from '../stack/ports.ts';
import { CatalogService } from './catalogService.ts';
import { DatasetStore } from './datasetStore.ts';
import { ServingEngine } from './engine.ts';
import { createHttpApi } from './httpApi.ts';
import { PgServer } from './pgServer.ts';
import { SpeedState } from './speedState.ts';

export interface ServingConfig {
  pgPort: number;
  httpPort: number;
  icebergUrl: string;
  kafkaBrokers: string[];
  controlToken: string;
  users: Record<string, string>;
  refreshMs: number;
  logStatements: boolean;
}

/** Settings from the environment; the defaults are the local stack's. */
export function servingConfig(env: NodeJS.ProcessEnv = process.env): ServingConfig {
  const ports = resolvePorts(env);
  return {
    pgPort: ports.servingPostgres,
    httpPort: ports.servingHttp,
    icebergUrl: env.LAMBDALAKE_ICEBERG_URL ?? `http://127.0.0.1:${ports.icebergCatalog}`,
    kafkaBrokers: (env.LAMBDALAKE_KAFKA_BROKERS ?? `127.0.0.1:${ports.kafka}`).split(','),
    controlToken: env.LAMBDALAKE_SERVING_TOKEN ?? 'lambdalake-local-control-plane',
    users: {
      [env.LAMBDALAKE_SQL_USER ?? 'lambdalake']: env.LAMBDALAKE_SQL_PASSWORD ?? 'lambdalake',
    },
    refreshMs: Number(env.LAMBDALAKE_SERVING_REFRESH_MS ?? 5000),
    logStatements: env.LAMBDALAKE_SERVING_LOG_SQL === '1',
  };
}

export interface RunningServing {
  config: ServingConfig;
  close(): Promise<void>;
}

/** Starts the serving endpoint: loads every stored dataset, then listens on Postgres and HTTP. */
export async function startServing(
  config: ServingConfig,
  log: (m: string) => void = (m) => process.stderr.write(`${new Date().toISOString()} ${m}\n`),
): Promise<RunningServing> {
  const catalog = new IcebergCatalogClient({ url: config.icebergUrl });
  const speed = new SpeedState(config.kafkaBrokers, log);
  const engine = await ServingEngine.create(catalog, speed);
  const service = new CatalogService(new DatasetStore(catalog), engine, log);
  log(`serving: loaded ${await service.refresh()} dataset(s) from the catalog`);
  const pgServer = new PgServer(engine, {
    users: config.users,
    log,
    logStatements: config.logStatements,
  });
  const http = createHttpApi(
    service,
    engine,
    { controlToken: config.controlToken, users: config.users, log },
    () => ({
      ok: true,
      datasets: service.list().length,
      connections: pgServer.connectionCount,
      speed: speed.stats(),
    }),
  );
  await pgServer.listen(config.pgPort);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.httpPort, '127.0.0.1', () => resolve());
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
  log(
    `serving: Postgres on 127.0.0.1:${config.pgPort}, HTTP on http://127.0.0.1:${config.httpPort}`,
  );
  return {
    config,
    close: async () => {
      clearInterval(timer);
      await new Promise((r) => http.close(() => r(undefined)));
      await new Promise((r) => pgServer.server.close(() => r(undefined)));
      await speed.close();
      engine.close();
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
