import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool } from '../artifacts/run.ts';
import type { StackContext } from '../stackContext.ts';
import {
  FLINK_JDK17_MODULE_FLAGS,
  flinkConfigYaml,
  flinkLog4jProperties,
  parseBashJavaUtilsOutput,
  checkpointsPath,
} from './flinkConfig.ts';
import { httpHealth } from './httpHealth.ts';
import { buildTableMaintenanceJar } from './tableMaintenanceJob/buildTableMaintenanceJar.ts';
import {
  serviceMarker,
  type LaunchSpec,
  type ServiceDefinition,
  type ServiceName,
} from './serviceDefinition.ts';

function flinkConfDir(ctx: StackContext): string {
  return join(ctx.layout.conf, 'flink');
}

function flinkClasspath(ctx: StackContext, extra: string[] = []): string {
  // S3 mode: Iceberg's S3FileIO (with its AWS SDK) beside the Iceberg runtime, for catalogs and sinks.
  const s3 = ctx.s3 ? [`${ctx.artifacts.icebergAwsLib}/*`] : [];
  return [
    `${ctx.artifacts.flinkLib}/*`,
    `${ctx.artifacts.flinkConnectorsLib}/*`,
    ...s3,
    ...extra,
  ].join(':');
}

/** Flink's plugins folder: in S3 mode, flink-s3-fs-hadoop in a folder of its own, as Flink wants. */
function flinkPluginsDir(ctx: StackContext): string {
  return join(flinkConfDir(ctx), 'plugins');
}

/** Idempotent and additive: the three Flink processes prepare it, two of them at once. */
async function writeFlinkPlugins(ctx: StackContext): Promise<void> {
  const root = flinkPluginsDir(ctx);
  await mkdir(root, { recursive: true });
  if (!ctx.s3) return;
  const plugin = join(root, 's3-fs-hadoop');
  await mkdir(plugin, { recursive: true });
  const jars = (await readdir(ctx.artifacts.flinkS3PluginLib)).filter((f) => f.endsWith('.jar'));
  for (const jar of jars) {
    await symlink(join(ctx.artifacts.flinkS3PluginLib, jar), join(plugin, jar)).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      },
    );
  }
}

async function writeFlinkConf(ctx: StackContext): Promise<string> {
  const dir = flinkConfDir(ctx);
  await mkdir(dir, { recursive: true });
  if (!ctx.s3) await mkdir(checkpointsPath(ctx), { recursive: true });
  await writeFile(join(dir, 'config.yaml'), flinkConfigYaml(ctx));
  await writeFile(join(dir, 'log4j.properties'), flinkLog4jProperties());
  await writeFlinkPlugins(ctx);
  return dir;
}

/** What every Flink process reads from its environment: where its plugins are. */
function flinkEnv(ctx: StackContext): Record<string, string> {
  return { FLINK_PLUGINS_DIR: flinkPluginsDir(ctx) };
}

/** Launches a Flink JVM with the memory flags Flink's own start scripts would compute. */
async function flinkLaunch(
  ctx: StackContext,
  name: ServiceName,
  resourceCommand: 'GET_JM_RESOURCE_PARAMS' | 'GET_TM_RESOURCE_PARAMS',
  mainClass: string,
): Promise<LaunchSpec> {
  const confDir = await writeFlinkConf(ctx);
  const output = await runTool(
    ctx.java,
    [
      '-cp',
      `${ctx.artifacts.flinkBashJavaUtilsJar}:${flinkClasspath(ctx)}`,
      'org.apache.flink.runtime.util.bash.BashJavaUtils',
      resourceCommand,
      '--configDir',
      confDir,
    ],
    ctx.layout.run,
  );
  const { jvmArgs, dynamicArgs } = parseBashJavaUtilsOutput(output);
  return {
    command: ctx.java,
    args: [
      serviceMarker(ctx.layout.run, name),
      ...jvmArgs,
      ...FLINK_JDK17_MODULE_FLAGS,
      `-Dlog.file=${join(ctx.layout.logs, `${name}.log`)}`,
      `-Dlog4j.configurationFile=file:${join(confDir, 'log4j.properties')}`,
      '-cp',
      flinkClasspath(ctx),
      mainClass,
      '--configDir',
      confDir,
      ...dynamicArgs,
    ],
    env: flinkEnv(ctx),
    cwd: ctx.layout.run,
  };
}

export function flinkJobManagerService(ctx: StackContext): ServiceDefinition {
  const url = `http://127.0.0.1:${ctx.ports.flinkRest}`;
  return {
    name: 'flink-jobmanager',
    host: ctx.bindHost,
    port: ctx.ports.flinkRest,
    url,
    startTimeoutMs: 90_000,
    async prepare() {
      // The compaction job the control plane submits to this cluster (see TableMaintenanceJob.java).
      await buildTableMaintenanceJar(ctx);
      return flinkLaunch(
        ctx,
        'flink-jobmanager',
        'GET_JM_RESOURCE_PARAMS',
        'org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint',
      );
    },
    health: () =>
      httpHealth(`${url}/overview`, (body) => ({
        healthy: true,
        detail: `Flink ${(body as { 'flink-version'?: string })['flink-version'] ?? '?'}`,
      })),
  };
}

export function flinkTaskManagerService(ctx: StackContext): ServiceDefinition {
  const url = `http://127.0.0.1:${ctx.ports.flinkRest}`;
  return {
    name: 'flink-taskmanager',
    host: ctx.bindHost,
    port: null,
    url: `${url}/taskmanagers`,
    startTimeoutMs: 90_000,
    prepare: () =>
      flinkLaunch(
        ctx,
        'flink-taskmanager',
        'GET_TM_RESOURCE_PARAMS',
        'org.apache.flink.runtime.taskexecutor.TaskManagerRunner',
      ),
    // The TaskManager has no endpoint of its own: it is healthy once registered with the JobManager.
    health: () =>
      httpHealth(`${url}/overview`, (body) => {
        const overview = body as {
          taskmanagers?: number;
          'slots-total'?: number;
          'slots-available'?: number;
        };
        const registered = (overview.taskmanagers ?? 0) > 0;
        return {
          healthy: registered,
          detail: registered
            ? `${overview['slots-available']}/${overview['slots-total']} slots free`
            : 'no TaskManager registered with the JobManager',
        };
      }),
  };
}

export function flinkSqlGatewayService(ctx: StackContext): ServiceDefinition {
  const url = `http://127.0.0.1:${ctx.ports.sqlGateway}`;
  return {
    name: 'flink-sql-gateway',
    host: ctx.bindHost,
    port: ctx.ports.sqlGateway,
    url,
    startTimeoutMs: 90_000,
    async prepare() {
      const confDir = await writeFlinkConf(ctx);
      return {
        command: ctx.java,
        args: [
          serviceMarker(ctx.layout.run, 'flink-sql-gateway'),
          `-Xms${ctx.heaps.sqlGateway}`,
          `-Xmx${ctx.heaps.sqlGateway}`,
          ...FLINK_JDK17_MODULE_FLAGS,
          `-Dlog.file=${join(ctx.layout.logs, 'flink-sql-gateway.log')}`,
          `-Dlog4j.configurationFile=file:${join(confDir, 'log4j.properties')}`,
          '-cp',
          flinkClasspath(ctx, [`${ctx.artifacts.flinkSqlGatewayLib}/*`]),
          'org.apache.flink.table.gateway.SqlGateway',
          '--configDir',
          confDir,
        ],
        // The gateway reads FLINK_CONF_DIR to find the cluster (rest.address/rest.port) it submits to.
        env: { ...flinkEnv(ctx), FLINK_CONF_DIR: confDir },
        cwd: ctx.layout.run,
      };
    },
    health: () =>
      httpHealth(`${url}/v1/info`, (body) => ({
        healthy: true,
        detail: `${(body as { version?: string }).version ?? '?'}`,
      })),
  };
}
