import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { S3Settings, StackContext } from '../stackContext.ts';
import {
  CATALOG_LAUNCHER_CLASS,
  compileCatalogLauncher,
} from './catalogLauncher/compileCatalogLauncher.ts';
import { httpHealth } from './httpHealth.ts';
import { serviceMarker, type ServiceDefinition } from './serviceDefinition.ts';

/** The warehouse folder shared by the catalog server and Flink (must be the same absolute path). */
export function warehousePath(ctx: Pick<StackContext, 'layout'>): string {
  return join(ctx.layout.data, 'warehouse');
}

/** The warehouse location the catalog gives new namespaces and tables. */
export function warehouseUri(ctx: Pick<StackContext, 'layout' | 's3'>): string {
  return ctx.s3 ? `s3://${ctx.s3.bucket}/warehouse` : pathToFileURL(warehousePath(ctx)).href;
}

/**
 * Iceberg catalog properties that make a client (the catalog server, Flink's Iceberg catalog) read
 * and write the warehouse: Iceberg's S3FileIO with the keys a cloud deployment sets (endpoint, path
 * style, static keys, region). Empty for a local warehouse, which Iceberg reads by default.
 */
export function icebergClientProperties(s3: S3Settings | null): Record<string, string> {
  if (!s3) return {};
  return {
    'io-impl': 'org.apache.iceberg.aws.s3.S3FileIO',
    's3.endpoint': s3.endpoint,
    's3.path-style-access': 'true',
    's3.access-key-id': s3.accessKeyId,
    's3.secret-access-key': s3.secretAccessKey,
    'client.region': s3.region,
  };
}

/** A catalog property as the variable the server reads: CATALOG_, `-` → `__`, `.` → `_`, upper case. */
export function catalogEnvName(property: string): string {
  return `CATALOG_${property.replaceAll('-', '__').replaceAll('.', '_').toUpperCase()}`;
}

/**
 * The server's own FileIO settings. In S3 mode it also answers them to clients as /v1/config
 * defaults (our launcher's rest.client-defaults), so a client that names only the catalog's URI —
 * Flink's catalog as the control plane declares it — writes the bucket with the same settings.
 */
function ioEnv(s3: S3Settings | null): Record<string, string> {
  if (!s3) return { [catalogEnvName('io-impl')]: 'org.apache.iceberg.hadoop.HadoopFileIO' };
  const properties = icebergClientProperties(s3);
  return {
    ...Object.fromEntries(Object.entries(properties).map(([k, v]) => [catalogEnvName(k), v])),
    [catalogEnvName('rest.client-defaults')]: Object.keys(properties).join(','),
  };
}

/** The catalog's base URL for clients (they append /v1/...). */
export function icebergCatalogUrl(ctx: Pick<StackContext, 'bindHost' | 'ports'>): string {
  return `http://${urlHost(ctx.bindHost)}:${ctx.ports.icebergCatalog}`;
}

/** A bind address as a client reaches it: the wildcard means "this machine", IPv6 goes in brackets. */
function urlHost(bindHost: string): string {
  if (bindHost === '0.0.0.0' || bindHost === '::') return '127.0.0.1';
  return bindHost.includes(':') ? `[${bindHost}]` : bindHost;
}

/**
 * Iceberg's reference REST catalog (iceberg-open-api's JDBC catalog and RESTCatalogServlet),
 * SQLite-backed so the catalog survives restarts, started through our own launcher
 * (catalogLauncher/HostBoundCatalogServer.java): the reference RESTCatalogServer binds every
 * interface and cannot be told otherwise, and the catalog has no authentication (issue 21).
 * Configured through CATALOG_* environment variables (prefix dropped, `_` → `.`, `__` → `-`).
 */
export function icebergCatalogService(ctx: StackContext): ServiceDefinition {
  const port = ctx.ports.icebergCatalog;
  const url = icebergCatalogUrl(ctx);
  const catalogDir = join(ctx.layout.data, 'iceberg-catalog');
  return {
    name: 'iceberg-catalog',
    host: ctx.bindHost,
    port,
    url,
    startTimeoutMs: 60_000,
    async prepare() {
      const launcherClasses = await compileCatalogLauncher(ctx);
      await mkdir(catalogDir, { recursive: true });
      if (!ctx.s3) await mkdir(warehousePath(ctx), { recursive: true });
      return {
        command: ctx.java,
        args: [
          serviceMarker(ctx.layout.run, 'iceberg-catalog'),
          `-Xmx${ctx.heaps.icebergCatalog}`,
          '-cp',
          [launcherClasses, join(ctx.artifacts.icebergRestLib, '*')].join(':'),
          CATALOG_LAUNCHER_CLASS,
        ],
        env: {
          CATALOG_REST_HOST: ctx.bindHost,
          CATALOG_REST_PORT: String(port),
          CATALOG_WAREHOUSE: warehouseUri(ctx),
          // SQLite allows one writer: with the default pool of 2 connections, two commits (or a read
          // transaction upgrading to write) deadlock into SQLITE_BUSY, which Flink's Iceberg sink sees
          // as CommitStateUnknown. One pooled connection serializes catalog access instead; busy_timeout
          // covers anything else holding the file. Not WAL: pooled connections then read stale snapshots.
          CATALOG_URI: `jdbc:sqlite:${join(catalogDir, 'catalog.db')}?busy_timeout=30000`,
          CATALOG_CLIENTS: '1',
          CATALOG_JDBC_USER: 'lambdalake',
          CATALOG_JDBC_PASSWORD: 'lambdalake',
          ...ioEnv(ctx.s3),
        },
        cwd: ctx.layout.run,
      };
    },
    health: () => httpHealth(`${url}/v1/config`),
  };
}
