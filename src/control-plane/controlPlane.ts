import { resolve } from 'node:path';
import type { Admin } from 'kafkajs';
import { IcebergCatalogClient } from '../iceberg/index.ts';
import { flinkKafkaProperties, kafkaSecurityFromEnv } from '../settings/kafkaSecurity.ts';
import { resolvePorts } from '../settings/ports.ts';
import {
  compileProject,
  type CompiledMetric,
  type CompiledProject,
  type CompiledSource,
} from './compiler/compile.ts';
import type { RuntimeBindings } from './compiler/bindings.ts';
import { DEFAULT_NAMESPACE } from './compiler/names.ts';
import { loadProjectOrThrow, type Project } from './definitions/loadProject.ts';
import type { BatchCycleDeps } from './protocol/batchCycle.ts';
import type { DerivedViewRegistry, MetricRuntime } from './protocol/ports.ts';
import { SPEED_READS_FROM_PROPERTY } from './protocol/cutover.ts';
import { SERVED_PREFIX } from './protocol/reconcile.ts';
import { ControlPlaneError } from './errors.ts';
import { DeploymentTarget } from './adapters/deploymentTarget.ts';
import { FlinkEngine } from './adapters/flinkEngine.ts';
import { IcebergTables } from './adapters/icebergTables.ts';
import { connectKafkaAdmin, controlPlaneKafka, kafkaLog } from './adapters/kafkaLog.ts';
import { DuckDbMasterLedger } from './adapters/masterLedger.ts';
import { metricRuntime } from './metricRuntime.ts';
import { HttpServingRegistry } from './adapters/servingRegistry.ts';
import { DuckDbSnapshotValidator } from './adapters/snapshotValidator.ts';

/** Where the control plane finds the services; each can be overridden by an environment variable. */
export interface ControlPlaneEndpoints {
  kafkaBrokers: string[];
  sqlGatewayUrl: string;
  flinkRestUrl: string;
  icebergCatalogUrl: string;
  servingUrl: string;
  /** The control plane's credential for the serving endpoint's catalog API. */
  servingToken: string;
  namespace: string;
}

/** The local stack's ports (LAMBDALAKE_PORT_OFFSET and friends), unless LAMBDALAKE_* URLs say otherwise. */
export function controlPlaneEndpoints(env: NodeJS.ProcessEnv = process.env): ControlPlaneEndpoints {
  const ports = resolvePorts(env);
  return {
    kafkaBrokers: (env.LAMBDALAKE_KAFKA_BROKERS ?? `127.0.0.1:${ports.kafka}`).split(','),
    sqlGatewayUrl: env.LAMBDALAKE_SQL_GATEWAY_URL ?? `http://127.0.0.1:${ports.sqlGateway}`,
    flinkRestUrl: env.LAMBDALAKE_FLINK_URL ?? `http://127.0.0.1:${ports.flinkRest}`,
    icebergCatalogUrl: env.LAMBDALAKE_ICEBERG_URL ?? `http://127.0.0.1:${ports.icebergCatalog}`,
    servingUrl: env.LAMBDALAKE_SERVING_URL ?? `http://127.0.0.1:${ports.servingHttp}`,
    servingToken: env.LAMBDALAKE_SERVING_TOKEN ?? 'lambdalake-local-control-plane',
    namespace: env.LAMBDALAKE_NAMESPACE ?? DEFAULT_NAMESPACE,
  };
}

/**
 * A deployment namespace names an Iceberg namespace, prefixes Kafka topics and Flink job names, and
 * tells this deployment's jobs from others on a shared cluster: so no hyphen (job names join parts
 * with hyphens) and nothing Kafka or SQL would need quoted.
 */
export function assertNamespaceName(namespace: string): void {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(namespace))
    throw new ControlPlaneError(
      'bad-input',
      `LAMBDALAKE_NAMESPACE '${namespace}' is not a valid deployment namespace: use a lowercase letter followed by up to 62 lowercase letters, digits or underscores (e.g. lambdalake, analytics_dev)`,
      false,
    );
}

export function bindingsFor(endpoints: ControlPlaneEndpoints): RuntimeBindings {
  return {
    catalogUri: endpoints.icebergCatalogUrl,
    catalogName: 'lake',
    namespace: endpoints.namespace,
    kafkaBootstrap: endpoints.kafkaBrokers.join(','),
    // The same binding kafkajs uses (LAMBDALAKE_KAFKA_SECURITY): every Kafka table the compiler
    // writes authenticates the way the control plane and serving do.
    kafkaProperties: flinkKafkaProperties(kafkaSecurityFromEnv()),
    ...(process.env.LAMBDALAKE_ICEBERG_WAREHOUSE
      ? { warehouse: process.env.LAMBDALAKE_ICEBERG_WAREHOUSE }
      : {}),
  };
}

/** A loaded, compiled project with connected clients; `close()` releases them. */
export interface ControlPlane {
  endpoints: ControlPlaneEndpoints;
  project: Project;
  compiled: CompiledProject;
  /** The raw clients, for maintenance and for tests that inspect what the commands did. */
  catalog: IcebergCatalogClient;
  admin: Admin;
  tables: IcebergTables;
  engine: FlinkEngine;
  /** The namespace, tables and topics deploy creates, evolves and retires. */
  deployment: DeploymentTarget;
  /** Serving's SQL datasets: the derived metrics' views. */
  derivedViews: DerivedViewRegistry;
  batchDeps(progress?: (message: string) => void): BatchCycleDeps;
  metric(name: string): CompiledMetric;
  sourceOf(metric: CompiledMetric): CompiledSource;
  runtimeOf(metric: CompiledMetric): MetricRuntime;
  close(): Promise<void>;
}

export async function openControlPlane(
  projectDir: string,
  endpoints: ControlPlaneEndpoints = controlPlaneEndpoints(),
): Promise<ControlPlane> {
  assertNamespaceName(endpoints.namespace);
  const project = await loadProjectOrThrow(resolve(projectDir));
  const compiled = compileProject(project, bindingsFor(endpoints));
  const catalog = new IcebergCatalogClient({ url: endpoints.icebergCatalogUrl });
  const tables = new IcebergTables(catalog);
  const engine = new FlinkEngine(endpoints.sqlGatewayUrl, endpoints.flinkRestUrl);
  const admin = await connectKafkaAdmin(endpoints.kafkaBrokers);
  const kafka = controlPlaneKafka(endpoints.kafkaBrokers);
  const serving = new HttpServingRegistry(endpoints.servingUrl, endpoints.servingToken);
  const metric = (name: string): CompiledMetric => {
    const found = compiled.metrics.find((m) => m.name === name);
    if (!found)
      throw new ControlPlaneError(
        'bad-input',
        `no metric '${name}': metrics are ${compiled.metrics.map((m) => m.name).join(', ')}`,
        false,
      );
    return found;
  };
  const sourceOf = (m: CompiledMetric): CompiledSource =>
    compiled.sources.find((s) => s.name === m.source)!;
  const runtimeOf = (m: CompiledMetric): MetricRuntime =>
    metricRuntime(
      m,
      sourceOf(m),
      project.sources.get(m.source)!.definition.event_time,
      m.dimensions.map((d) => compiled.sources.find((s) => s.name === d)!),
    );
  const ledger = new DuckDbMasterLedger(catalog);
  const validator = new DuckDbSnapshotValidator(catalog, (name) => metric(name).quality);
  // Where the running speed job of a version reads from: recorded at its stateless start; for a
  // job started before that was recorded, its start time (it read from no later than that).
  const speedReadsFrom = async (runtime: MetricRuntime): Promise<number | null> => {
    const compiledMetric = metric(runtime.metric);
    if (compiledMetric.version !== runtime.version) return null;
    const job = (await engine.jobs()).find(
      (j) => j.name === compiledMetric.speedJobName && j.state === 'RUNNING',
    );
    if (!job) return null;
    const recorded = (await tables.loadTable(runtime.batchTable))?.properties[
      SPEED_READS_FROM_PROPERTY
    ];
    return recorded ? Date.parse(recorded) : job.startTimeMs;
  };
  return {
    endpoints,
    project,
    compiled,
    catalog,
    tables,
    engine,
    admin,
    deployment: new DeploymentTarget(catalog, admin, endpoints.namespace),
    derivedViews: serving,
    metric,
    sourceOf,
    runtimeOf,
    batchDeps: (progress) => ({
      catalog: tables,
      engine,
      log: kafkaLog(admin, kafka),
      ledger,
      serving,
      validator,
      speedReadsFrom,
      servedVersion: async (name) =>
        (await catalog.loadNamespace([endpoints.namespace]))[`${SERVED_PREFIX}${name}`] ?? null,
      progress,
    }),
    close: async () => {
      await admin.disconnect();
    },
  };
}
