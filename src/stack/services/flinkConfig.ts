import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { S3Settings, StackContext } from '../stackContext.ts';

/** Folder for Flink checkpoints and savepoints (shared by JobManager, TaskManager and tests). */
export function checkpointsPath(ctx: Pick<StackContext, 'layout'>): string {
  return join(ctx.layout.data, 'flink-checkpoints');
}

/** Where checkpoints and savepoints go: the local folder, or the bucket in the S3 warehouse mode. */
export function checkpointsUri(ctx: Pick<StackContext, 'layout' | 's3'>): string {
  return ctx.s3
    ? `s3://${ctx.s3.bucket}/flink-checkpoints`
    : pathToFileURL(checkpointsPath(ctx)).href;
}

/**
 * Flink's S3 filesystem (flink-s3-fs-hadoop) reads `s3.*` keys and hands them to Hadoop's S3A as
 * `fs.s3a.*`: the same keys a cloud deployment sets, here pointed at the local S3 server.
 */
function s3Entries(s3: S3Settings): [string, string | boolean][] {
  return [
    ['s3.endpoint', s3.endpoint],
    ['s3.endpoint.region', s3.region],
    ['s3.path.style.access', true],
    ['s3.access-key', s3.accessKeyId],
    ['s3.secret-key', s3.secretAccessKey],
  ];
}

/**
 * Flink 2.x reads only conf/config.yaml. Flattened keys are valid there. Every server binds to the
 * stack's bind host (loopback unless changed) and is reached on 127.0.0.1; memory is sized by total process size so Flink derives heap, managed and network memory.
 */
export function flinkConfigYaml(
  ctx: Pick<StackContext, 'ports' | 'heaps' | 'taskSlots' | 'layout' | 'bindHost' | 's3'>,
): string {
  const checkpoints = checkpointsUri(ctx);
  const entries: [string, string | number | boolean][] = [
    ['jobmanager.rpc.address', '127.0.0.1'],
    ['jobmanager.rpc.port', ctx.ports.flinkRpc],
    ['jobmanager.bind-host', ctx.bindHost],
    ['jobmanager.memory.process.size', ctx.heaps.jobManagerProcess],
    ['taskmanager.host', '127.0.0.1'],
    ['taskmanager.bind-host', ctx.bindHost],
    ['taskmanager.numberOfTaskSlots', ctx.taskSlots],
    ['taskmanager.memory.process.size', ctx.heaps.taskManagerProcess],
    // Jobs here are small and state lives on the heap (hashmap backend): less managed memory.
    ['taskmanager.memory.managed.fraction', 0.2],
    ['rest.address', '127.0.0.1'],
    ['rest.bind-address', ctx.bindHost],
    ['rest.port', ctx.ports.flinkRest],
    ['parallelism.default', 1],
    ['state.backend.type', 'hashmap'],
    ['execution.checkpointing.dir', `${checkpoints}/checkpoints`],
    ['execution.checkpointing.savepoint-dir', `${checkpoints}/savepoints`],
    // Iceberg's Flink sink commits on checkpoints; jobs may override per statement.
    ['execution.checkpointing.interval', '10s'],
    ['execution.checkpointing.externalized-checkpoint-retention', 'RETAIN_ON_CANCELLATION'],
    // Iceberg and Hadoop keep threads past job end; the leak check would fail jobs for it.
    ['classloader.check-leaked-classloader', false],
    ['sql-gateway.endpoint.rest.address', '127.0.0.1'],
    ['sql-gateway.endpoint.rest.bind-address', ctx.bindHost],
    ['sql-gateway.endpoint.rest.port', ctx.ports.sqlGateway],
    ['sql-gateway.session.idle-timeout', '30min'],
    ...(ctx.s3 ? s3Entries(ctx.s3) : []),
  ];
  return (
    entries
      .map(([key, value]) => `${key}: ${typeof value === 'string' ? JSON.stringify(value) : value}`)
      .join('\n') + '\n'
  );
}

export function flinkLog4jProperties(): string {
  return [
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.file.ref = MainAppender',
    'appender.main.name = MainAppender',
    'appender.main.type = RollingFile',
    'appender.main.fileName = ${sys:log.file}',
    'appender.main.filePattern = ${sys:log.file}.%i',
    'appender.main.layout.type = PatternLayout',
    'appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n',
    'appender.main.policies.type = Policies',
    'appender.main.policies.size.type = SizeBasedTriggeringPolicy',
    'appender.main.policies.size.size = 50MB',
    'appender.main.strategy.type = DefaultRolloverStrategy',
    'appender.main.strategy.max = 3',
    'logger.kafka.name = org.apache.kafka',
    'logger.kafka.level = WARN',
    '',
  ].join('\n');
}

/**
 * JDK 17 module flags Flink's start scripts pass to every Flink JVM (config key
 * env.java.default-opts.all). Without them Kryo fails at runtime on e.g. java.nio.ByteBuffer
 * ("module java.base does not opens java.nio"), so bare `java` launches must add them too.
 */
export const FLINK_JDK17_MODULE_FLAGS: readonly string[] = [
  ...['java.base/sun.net.util', 'java.rmi/sun.rmi.registry', 'java.security.jgss/sun.security.krb5']
    .concat(
      ['api', 'file', 'parser', 'tree', 'util'].map((p) => `jdk.compiler/com.sun.tools.javac.${p}`),
    )
    .map((pkg) => `--add-exports=${pkg}=ALL-UNNAMED`),
  ...[
    'java.lang',
    'java.net',
    'java.io',
    'java.nio',
    'sun.nio.ch',
    'java.lang.reflect',
    'java.text',
    'java.time',
    'java.util',
    'java.util.concurrent',
    'java.util.concurrent.atomic',
    'java.util.concurrent.locks',
  ].map((pkg) => `--add-opens=java.base/${pkg}=ALL-UNNAMED`),
];

/**
 * Parses Flink's BashJavaUtils output: the line after each BASH_JAVA_UTILS_EXEC_RESULT: marker.
 * The first result holds JVM flags (-Xmx...), the second the dynamic properties (-D key=value ...).
 */
export function parseBashJavaUtilsOutput(output: string): {
  jvmArgs: string[];
  dynamicArgs: string[];
} {
  const results = output
    .split('\n')
    .filter((line) => line.startsWith('BASH_JAVA_UTILS_EXEC_RESULT:'))
    .map((line) => line.slice('BASH_JAVA_UTILS_EXEC_RESULT:'.length).trim());
  if (results.length < 2) {
    throw new Error(
      `Flink BashJavaUtils printed ${results.length} result line(s), expected 2:\n${output.slice(-2000)}`,
    );
  }
  const split = (s: string) => s.split(/\s+/).filter((part) => part.length > 0);
  return { jvmArgs: split(results[0] ?? ''), dynamicArgs: split(results[1] ?? '') };
}
