import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { exists } from '../artifacts/maven.ts';
import { runTool } from '../artifacts/run.ts';
import type { StackContext } from '../stackContext.ts';
import { serviceMarker, type HealthResult, type ServiceDefinition } from './serviceDefinition.ts';

/**
 * server.properties of a single KRaft node that is broker and controller at once, bound to the
 * stack's bind host (loopback unless changed) and advertised on 127.0.0.1.
 */
export function kafkaServerProperties(
  ctx: Pick<StackContext, 'ports' | 'layout' | 'bindHost'>,
): string {
  const { kafka, kafkaController } = ctx.ports;
  const bind = ctx.bindHost.includes(':') ? `[${ctx.bindHost}]` : ctx.bindHost;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=127.0.0.1:${kafkaController}`,
    `listeners=PLAINTEXT://${bind}:${kafka},CONTROLLER://${bind}:${kafkaController}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${kafka}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${join(ctx.layout.data, 'kafka')}`,
    'num.partitions=1',
    // One broker: every internal topic must accept a replication factor of 1.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // Compacted speed topics should converge quickly on a laptop-sized stack.
    'log.cleaner.backoff.ms=5000',
    '',
  ].join('\n');
}

export function kafkaLog4j2Yaml(logFile: string): string {
  return [
    'Configuration:',
    '  Appenders:',
    '    RollingFile:',
    '      name: file',
    `      fileName: ${logFile}`,
    `      filePattern: ${logFile}.%i`,
    '      PatternLayout: { pattern: "[%d] %p %m (%c)%n" }',
    '      Policies: { SizeBasedTriggeringPolicy: { size: 50MB } }',
    '      DefaultRolloverStrategy: { max: 3 }',
    '  Loggers:',
    '    Root: { level: INFO, AppenderRef: [{ ref: file }] }',
    '',
  ].join('\n');
}

/** Kafka in KRaft mode; its storage is formatted on the first start only. */
export function kafkaService(ctx: StackContext): ServiceDefinition {
  const confDir = join(ctx.layout.conf, 'kafka');
  const dataDir = join(ctx.layout.data, 'kafka');
  const properties = join(confDir, 'server.properties');
  const classpath = `${ctx.artifacts.kafkaLib}/*`;
  const brokers = [`127.0.0.1:${ctx.ports.kafka}`];
  return {
    name: 'kafka',
    host: ctx.bindHost,
    port: ctx.ports.kafka,
    url: `kafka://127.0.0.1:${ctx.ports.kafka}`,
    startTimeoutMs: 60_000,
    async prepare() {
      const launch = {
        command: ctx.java,
        args: [
          serviceMarker(ctx.layout.run, 'kafka'),
          `-Xms${ctx.heaps.kafka}`,
          `-Xmx${ctx.heaps.kafka}`,
          `-Dlog4j2.configurationFile=${join(confDir, 'log4j2.yaml')}`,
          '-cp',
          classpath,
          'kafka.Kafka',
          properties,
        ],
        env: {},
        cwd: ctx.layout.run,
      };
      await mkdir(confDir, { recursive: true });
      await writeFile(properties, kafkaServerProperties(ctx));
      await writeFile(
        join(confDir, 'log4j2.yaml'),
        kafkaLog4j2Yaml(join(ctx.layout.logs, 'kafka-server.log')),
      );
      if (await exists(join(dataDir, 'meta.properties'))) return launch;
      const clusterId = randomBytes(16).toString('base64url');
      await runTool(
        ctx.java,
        [
          '-Xmx256m',
          '-cp',
          classpath,
          'kafka.tools.StorageTool',
          'format',
          '--standalone',
          '-t',
          clusterId,
          '-c',
          properties,
        ],
        ctx.layout.run,
      );
      return launch;
    },
    health: () => kafkaHealth(brokers),
  };
}

async function kafkaHealth(brokers: string[]): Promise<HealthResult> {
  const admin = new Kafka({
    clientId: 'lambdalake-health',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1500,
    requestTimeout: 3000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return {
      healthy: cluster.brokers.length > 0,
      detail: `${cluster.brokers.length} broker(s), cluster ${cluster.clusterId}`,
    };
  } catch (error) {
    return { healthy: false, detail: error instanceof Error ? error.message : String(error) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
