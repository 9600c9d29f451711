import { resolve } from 'node:path';
import { isolatedProject } from '../../../src/demo/isolatedProject.ts';
import { resolvePorts } from '../../../src/stack/ports.ts';
import type { ControlPlaneEndpoints } from '../../../src/control-plane/controlPlane.ts';
import type { StackEndpoints } from '../../../src/stack/endpoints.ts';

const REPO = resolve(import.meta.dirname, '..', '..', '..');

/** The example project, its source topics prefixed with the test's namespace (see isolatedProject). */
export function examplePipelines(namespace: string): ReturnType<typeof isolatedProject> {
  return isolatedProject(REPO, namespace);
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
