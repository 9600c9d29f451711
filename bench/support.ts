// Shared setup of the stack benchmarks: the local stack, a namespace of their own, clients.
import { resolve } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import {
  openControlPlane,
  controlPlaneEndpoints,
  type ControlPlane,
} from '../src/control-plane/controlPlane.ts';
import { deploy } from '../src/control-plane/commands/deploy.ts';
import { isolatedProject } from '../src/demo/isolatedProject.ts';
export { flinkTimestamp as flinkTime } from '../src/demo/events.ts';
import { resolvePorts, silentProgress, stackUp } from '../src/stack/index.ts';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const log = (m: string) => process.stderr.write(`${m}\n`);

export interface BenchContext {
  namespace: string;
  control: ControlPlane;
  topics: { page_views: string; orders: string };
  producer: Producer;
  pgConfig: { host: string; port: number; user: string; password: string; database: string };
  close(): Promise<void>;
}

/** Stack up, the example project deployed into a fresh namespace, a connected producer. */
export async function benchContext(prefix: string): Promise<BenchContext> {
  await stackUp(silentProgress);
  const namespace = `${prefix}${Date.now().toString(36)}`;
  const { dir, topics } = await isolatedProject(resolve('.'), namespace);
  const control = await openControlPlane(dir, { ...controlPlaneEndpoints(), namespace });
  log(`deploying into ${namespace}`);
  await deploy(control);
  const producer = new Kafka({
    clientId: `lambdalake-${prefix}`,
    brokers: control.endpoints.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  }).producer();
  await producer.connect();
  const ports = resolvePorts();
  return {
    namespace,
    control,
    topics,
    producer,
    pgConfig: {
      host: '127.0.0.1',
      port: ports.servingPostgres,
      user: 'lambdalake',
      password: 'lambdalake',
      database: 'lambdalake',
    },
    close: async () => {
      await producer.disconnect().catch(() => undefined);
      // Jobs stop; tables and views stay for inspection (drop the namespace to clean up).
      for (const job of await control.engine.jobs())
        if (job.name.startsWith(`${namespace}-`) && job.state === 'RUNNING')
          await control.engine.cancel(job.jobId);
      await control.close();
    },
  };
}

export async function pgClient(config: BenchContext['pgConfig']): Promise<pg.Client> {
  const client = new pg.Client(config);
  await client.connect();
  return client;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return Number(
    sorted[
      Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
    ]!.toFixed(2),
  );
}
