import { cp, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolvePorts } from '../../../src/stack/ports.ts';
import type { ControlPlaneEndpoints } from '../../../src/control-plane/runtime/controlPlane.ts';
import type { StackEndpoints } from '../../../src/stack/endpoints.ts';

const REPO = resolve(import.meta.dirname, '..', '..', '..');

/**
 * A copy of the example project whose source topics carry a per-test prefix, deployed into a
 * namespace of its own: tests share the stack but never each other's topics, tables or jobs.
 */
export async function examplePipelines(
  namespace: string,
): Promise<{ dir: string; topics: { page_views: string; orders: string } }> {
  const dir = await mkdtemp(join(tmpdir(), `lambdalake-${namespace}-`));
  await cp(join(REPO, 'pipelines'), join(dir, 'pipelines'), { recursive: true });
  await cp(join(REPO, 'sql'), join(dir, 'sql'), { recursive: true });
  const topics = { page_views: `${namespace}.page_views`, orders: `${namespace}.orders` };
  for (const file of await readdir(join(dir, 'pipelines', 'sources'))) {
    const path = join(dir, 'pipelines', 'sources', file);
    const text = await readFile(path, 'utf8');
    await writeFile(
      path,
      text.replace(/^topic: (\w+)$/m, (_, name: string) => `topic: ${namespace}.${name}`),
    );
  }
  return { dir, topics };
}

export function endpointsFor(stack: StackEndpoints, namespace: string): ControlPlaneEndpoints {
  const ports = resolvePorts(process.env);
  return {
    kafkaBrokers: stack.kafkaBrokers,
    sqlGatewayUrl: stack.sqlGatewayUrl,
    flinkRestUrl: stack.flinkRestUrl,
    icebergCatalogUrl: stack.icebergCatalogUrl,
    servingUrl: `http://127.0.0.1:${ports.servingHttp}`,
    servingToken: process.env.LAMBDALAKE_SERVING_TOKEN ?? 'lambdalake-local-control-plane',
    namespace,
  };
}

export function servingPgConfig(): {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
} {
  return {
    host: '127.0.0.1',
    port: resolvePorts(process.env).servingPostgres,
    user: 'lambdalake',
    password: 'lambdalake',
    database: 'lambdalake',
  };
}
