/** Names of the local stack's processes, in start order (s3 only in the S3 warehouse mode). */
export const SERVICE_NAMES = [
  's3',
  'kafka',
  'iceberg-catalog',
  'flink-jobmanager',
  'flink-taskmanager',
  'flink-sql-gateway',
  'postgres',
  'serving',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface HealthResult {
  healthy: boolean;
  detail: string;
}

/** The process to spawn for a service. */
export interface LaunchSpec {
  command: string;
  args: string[];
  /** argv[0], for a program that takes no extra flag to carry the marker (MinIO). */
  argv0?: string;
  env: Record<string, string>;
  cwd: string;
  /** Run as this account (PostgreSQL refuses root); the current one when absent. */
  uid?: number;
  gid?: number;
}

/** Everything needed to start, find and check one service; built by a pure function per service. */
export interface ServiceDefinition {
  name: ServiceName;
  url: string;
  host: string;
  /** The port it listens on, or null when it has none of its own (the TaskManager: Flink picks its ports). */
  port: number | null;
  /** Writes configs and one-time state (e.g. formats Kafka storage), safe to run again; returns how to launch. */
  prepare(): Promise<LaunchSpec>;
  health(): Promise<HealthResult>;
  /** Idempotent setup once it is healthy (e.g. the S3 bucket), run by every `up`. */
  ready?(): Promise<void>;
  /** How long a fresh start may take before the stack gives up on it. */
  startTimeoutMs: number;
}

/** The JVM flag every service process carries, so a pid is only trusted if it is still ours. */
export function serviceMarker(runDir: string, name: ServiceName): string {
  // postgres reads `-D` as its data folder but accepts any `--custom.setting=value`.
  const flag = name === 'postgres' ? '--' : '-D';
  return `${flag}lambdalake.service=${name}@${runDir}`;
}
