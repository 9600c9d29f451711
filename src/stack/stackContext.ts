import type { ResolvedArtifacts } from './artifacts/resolveArtifacts.ts';
import type { StackLayout } from './layout.ts';
import type { StackPorts } from './ports.ts';

/** JVM heap sizes, modest on purpose: the whole stack shares a 2-core laptop-sized machine. */
export interface StackHeaps {
  kafka: string;
  icebergCatalog: string;
  sqlGateway: string;
  /** Flink sizes its JobManager and TaskManager from total process memory, not a heap flag. */
  jobManagerProcess: string;
  taskManagerProcess: string;
}

export const DEFAULT_BIND_HOST = '127.0.0.1';

export const DEFAULT_HEAPS: StackHeaps = {
  kafka: '512m',
  icebergCatalog: '384m',
  sqlGateway: '384m',
  jobManagerProcess: '1024m',
  taskManagerProcess: '2560m',
};

/**
 * The S3 warehouse mode: a local S3 server holds the Iceberg warehouse and Flink's checkpoints and
 * savepoints, reached with the same configuration keys the cloud uses. Loopback-only development
 * credentials, not secrets.
 */
export interface S3Settings {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** What every service definition is built from. */
export interface StackContext {
  layout: StackLayout;
  ports: StackPorts;
  artifacts: ResolvedArtifacts;
  heaps: StackHeaps;
  /** Slots of the one TaskManager: an ingestion job per source, a speed job per metric, batch jobs. */
  taskSlots: number;
  java: string;
  /** The JDK's compiler, for the launchers the stack compiles from source (the Iceberg catalog's). */
  javac: string;
  /**
   * The address the stack's own servers bind to: loopback by default, because none of them
   * authenticates (Kafka PLAINTEXT, Flink REST, the Iceberg catalog).
   */
  bindHost: string;
  /** Set in the S3 warehouse mode; null when the warehouse is a local folder. */
  s3: S3Settings | null;
  /** Node binary and repo root, to start the serving endpoint. */
  node: string;
  repoRoot: string;
}
