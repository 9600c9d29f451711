/**
 * The one place where the local stack's versions are pinned.
 *
 * Flink 2.1 is the newest Flink for which Iceberg publishes a runtime (iceberg-flink-runtime-2.1,
 * Iceberg 1.11.0). The Kafka SQL connector 5.0.0-2.2 is built against Flink 2.1.0 (its parent POM
 * says flink.version 2.1.0; no 5.0.0-2.1 artifact exists on Maven Central), so it is the newest
 * connector that runs on Flink 2.1.
 */
export const STACK_VERSIONS = {
  flink: '2.1.3',
  flinkKafkaConnector: '5.0.0-2.2',
  iceberg: '1.11.0',
  icebergFlinkRuntimeArtifact: 'iceberg-flink-runtime-2.1',
  /**
   * The reference REST catalog server. 1.10.1 is the last release that publishes it as a
   * self-contained jar (iceberg-open-api, main class RESTCatalogServer); from 1.10.2 only a
   * 14 KB test-fixtures jar without declared dependencies is published.
   */
  icebergRestServer: '1.10.1',
  kafka: '4.2.0',
  scala: '2.13',
  hadoop: '3.4.1',
  log4j: '2.24.3',
  slf4j: '2.0.16',
  mavenDependencyPlugin: '3.8.1',
} as const;

export type StackVersions = typeof STACK_VERSIONS;
