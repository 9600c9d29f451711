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
  /** Warehouse location shared by the catalog server and Flink, as a file:// URI. */
  warehouseUri: string;
  /** The same warehouse as an absolute local path. */
  warehousePath: string;
  /** Folder for Flink checkpoints and savepoints, as a file:// URI. */
  checkpointsUri: string;
}
