import { join } from 'node:path';
import type { StackContext } from '../stackContext.ts';
import { httpHealth } from './httpHealth.ts';
import { LOCAL_POSTGRES_OWNER } from './postgres.ts';
import { serviceMarker, type ServiceDefinition } from './serviceDefinition.ts';

/**
 * lambdalake's serving process, run through tsx: the HTTP API and the loader of batch and speed
 * views into the stack's PostgreSQL (which SQL clients query directly).
 */
export function servingService(ctx: StackContext): ServiceDefinition {
  const url = `http://127.0.0.1:${ctx.ports.servingHttp}`;
  return {
    name: 'serving',
    host: '127.0.0.1',
    port: ctx.ports.servingHttp,
    url,
    startTimeoutMs: 60_000,
    async prepare() {
      return {
        command: ctx.node,
        // The marker is a Node flag that changes nothing, placed so /proc/<pid>/cmdline carries it.
        args: [
          '--import',
          'tsx',
          join(ctx.repoRoot, 'src', 'serving', 'main.ts'),
          serviceMarker(ctx.layout.run, 'serving'),
        ],
        env: {
          LAMBDALAKE_SERVING_PG_URL: `postgres://${LOCAL_POSTGRES_OWNER.user}:${LOCAL_POSTGRES_OWNER.password}@127.0.0.1:${ctx.ports.servingPostgres}/lambdalake`,
          LAMBDALAKE_HTTP_PORT: String(ctx.ports.servingHttp),
          LAMBDALAKE_ICEBERG_URL: `http://127.0.0.1:${ctx.ports.icebergCatalog}`,
          LAMBDALAKE_KAFKA_BROKERS: `127.0.0.1:${ctx.ports.kafka}`,
        },
        cwd: ctx.repoRoot,
      };
    },
    health: () => httpHealth(`${url}/health`),
  };
}
