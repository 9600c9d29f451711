import { join } from 'node:path';
import type { S3Settings, StackContext } from '../stackContext.ts';
import { httpHealth } from './httpHealth.ts';
import { icebergCatalogUrl } from './icebergCatalog.ts';
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
    // src/serving binds its HTTP listener to LAMBDALAKE_SERVING_BIND, 127.0.0.1 by default.
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
          LAMBDALAKE_ICEBERG_URL: icebergCatalogUrl(ctx),
          LAMBDALAKE_KAFKA_BROKERS: `127.0.0.1:${ctx.ports.kafka}`,
          ...(ctx.s3 ? awsSdkEnv(ctx.s3) : {}),
        },
        cwd: ctx.repoRoot,
      };
    },
    health: () => httpHealth(`${url}/health`),
  };
}

/**
 * S3 mode: serving reads data files through src/iceberg's S3FileIO, an AWS SDK client configured by
 * the SDK's usual variables; the endpoint is an IP address, which the SDK addresses path-style.
 */
function awsSdkEnv(s3: S3Settings): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
  };
}
