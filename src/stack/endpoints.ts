import type { S3Settings } from './stackContext.ts';

/** Where each service of a running local stack answers; what tests and the CLI need to reach it. */
export interface StackEndpoints {
  /** Kafka bootstrap servers, host:port. */
  kafkaBrokers: string[];
  /** Flink JobManager REST API, e.g. http://127.0.0.1:18081 */
  flinkRestUrl: string;
  /** Flink SQL Gateway REST API, e.g. http://127.0.0.1:18083 */
  sqlGatewayUrl: string;
  /** Iceberg REST catalog base URL (the client appends /v1/...), e.g. http://127.0.0.1:18181 */
  icebergCatalogUrl: string;
  /** Warehouse location shared by the catalog server and Flink: a file:// URI, or s3:// in S3 mode. */
  warehouseUri: string;
  /** The same warehouse as an absolute local path; null when it is on S3. */
  warehousePath: string | null;
  /** Folder for Flink checkpoints and savepoints, as a file:// (or, in S3 mode, s3://) URI. */
  checkpointsUri: string;
  /**
   * Properties an Iceberg client's catalog needs to read and write the warehouse (S3FileIO,
   * endpoint, path style, keys, region in S3 mode); empty for a local warehouse.
   */
  icebergClientProperties: Record<string, string>;
  /** The local S3 server in S3 mode (endpoint, region, bucket, keys); null otherwise. */
  s3: S3Settings | null;
}
