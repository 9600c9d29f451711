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
  /**
   * Flink's S3 filesystem plugin for `stack up --s3`. Maven Central has flink-s3-fs-hadoop 2.1.0
   * and 2.1.1 but no 2.1.2 or 2.1.3; a plugin loads in its own class loader against Flink's stable
   * FileSystem API, so the newest 2.1 patch there serves Flink 2.1.3.
   */
  flinkS3Plugin: '2.1.1',
  kafka: '4.2.0',
  /**
   * The S3 server of `stack up --s3`: MinIO, built from the Go module proxy (MinIO publishes no
   * release tags Go understands, so the module version is a pseudo-version of a commit).
   */
  minio: 'v0.0.0-20260212201848-7aac2a2c5b7c',
  scala: '2.13',
  hadoop: '3.4.1',
  log4j: '2.24.3',
  slf4j: '2.0.16',
  mavenDependencyPlugin: '3.8.1',
} as const;

export type StackVersions = typeof STACK_VERSIONS;

/**
 * The images of the container stack (`stack up --containers`), official images by default. The JVM
 * services run the same jars and command lines as the process stack (mounted from the artifact
 * cache), so their images only need a Java runtime on PATH; PostgreSQL and MinIO are configured
 * through their images' own interfaces. Where no registry is reachable,
 * scripts/build-stack-images.sh builds stand-ins under these names.
 */
export const STACK_IMAGES = {
  kafka: 'docker.io/apache/kafka:4.2.0',
  flink: 'docker.io/library/flink:2.1.3-java17',
  icebergCatalog: 'docker.io/apache/iceberg-rest-fixture:1.10.1',
  postgres: 'docker.io/library/postgres:15-bookworm',
  s3: 'docker.io/minio/minio:latest',
} as const;
