import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StackContext } from '../stackContext.ts';
import { httpHealth } from './httpHealth.ts';
import { serviceMarker, type ServiceDefinition } from './serviceDefinition.ts';

/** The warehouse folder shared by the catalog server and Flink (must be the same absolute path). */
export function warehousePath(ctx: Pick<StackContext, 'layout'>): string {
  return join(ctx.layout.data, 'warehouse');
}

/**
 * Iceberg's reference REST catalog server, JDBC-backed by a SQLite file so the catalog survives
 * restarts. It is configured only through CATALOG_* environment variables (prefix dropped,
 * `_` → `.`, `__` → `-`). Note: the reference server binds all interfaces; it has no bind-host setting.
 */
export function icebergCatalogService(ctx: StackContext): ServiceDefinition {
  const port = ctx.ports.icebergCatalog;
  const url = `http://127.0.0.1:${port}`;
  const catalogDir = join(ctx.layout.data, 'iceberg-catalog');
  return {
    name: 'iceberg-catalog',
    host: '127.0.0.1',
    port,
    url,
    startTimeoutMs: 60_000,
    async prepare() {
      const launch = {
        command: ctx.java,
        args: [
          serviceMarker(ctx.layout.run, 'iceberg-catalog'),
          `-Xmx${ctx.heaps.icebergCatalog}`,
          '-cp',
          `${ctx.artifacts.icebergRestLib}/*`,
          'org.apache.iceberg.rest.RESTCatalogServer',
        ],
        env: {
          CATALOG_REST_PORT: String(port),
          CATALOG_WAREHOUSE: pathToFileURL(warehousePath(ctx)).href,
          // SQLite allows one writer: with the default pool of 2 connections, two commits (or a read
          // transaction upgrading to write) deadlock into SQLITE_BUSY, which Flink's Iceberg sink sees
          // as CommitStateUnknown. One pooled connection serializes catalog access instead; busy_timeout
          // covers anything else holding the file. Not WAL: pooled connections then read stale snapshots.
          CATALOG_URI: `jdbc:sqlite:${join(catalogDir, 'catalog.db')}?busy_timeout=30000`,
          CATALOG_CLIENTS: '1',
          CATALOG_JDBC_USER: 'lambdalake',
          CATALOG_JDBC_PASSWORD: 'lambdalake',
          CATALOG_IO__IMPL: 'org.apache.iceberg.hadoop.HadoopFileIO',
        },
        cwd: ctx.layout.run,
      };
      await mkdir(catalogDir, { recursive: true });
      await mkdir(warehousePath(ctx), { recursive: true });
      return launch;
    },
    health: () => httpHealth(`${url}/v1/config`),
  };
}
