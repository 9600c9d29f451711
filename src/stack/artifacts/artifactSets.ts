import { STACK_VERSIONS as V } from '../versions.ts';
import type { MavenArtifact } from './maven.ts';

const onlyJar = { transitive: false } as const;

/** A Kafka broker: the server module with its dependencies, plus the log4j2 binding Kafka 4 does not ship transitively. */
export const KAFKA_ARTIFACTS: MavenArtifact[] = [
  { groupId: 'org.apache.kafka', artifactId: `kafka_${V.scala}`, version: V.kafka },
  { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-slf4j2-impl', version: V.log4j },
  { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-core', version: V.log4j },
  // Kafka's POM brings slf4j-api 1.7, which cannot see an slf4j2 binding.
  { groupId: 'org.slf4j', artifactId: 'slf4j-api', version: V.slf4j },
];

/** What goes beside Flink's own lib/: connectors, Iceberg, and the Hadoop classes Iceberg still needs. */
export const FLINK_CONNECTOR_ARTIFACTS: MavenArtifact[] = [
  {
    groupId: 'org.apache.flink',
    artifactId: 'flink-sql-connector-kafka',
    version: V.flinkKafkaConnector,
    ...onlyJar,
  },
  {
    groupId: 'org.apache.iceberg',
    artifactId: V.icebergFlinkRuntimeArtifact,
    version: V.iceberg,
    ...onlyJar,
  },
  { groupId: 'org.apache.hadoop', artifactId: 'hadoop-client-api', version: V.hadoop, ...onlyJar },
  {
    groupId: 'org.apache.hadoop',
    artifactId: 'hadoop-client-runtime',
    version: V.hadoop,
    ...onlyJar,
  },
  { groupId: 'commons-logging', artifactId: 'commons-logging', version: '1.2', ...onlyJar },
];

/** The SQL Gateway is not in apache-flink-libraries; its jar alone, the rest is on Flink's lib/. */
export const FLINK_SQL_GATEWAY_ARTIFACTS: MavenArtifact[] = [
  { groupId: 'org.apache.flink', artifactId: 'flink-sql-gateway', version: V.flink, ...onlyJar },
];

/** Iceberg's reference REST catalog server, a self-contained jar (Jetty, SQLite JDBC, Hadoop inside). */
export const ICEBERG_REST_ARTIFACTS: MavenArtifact[] = [
  {
    groupId: 'org.apache.iceberg',
    artifactId: 'iceberg-open-api',
    version: V.icebergRestServer,
    ...onlyJar,
  },
];

/** S3 mode: Flink's S3 filesystem (a plugin, for checkpoints and savepoints on s3://). */
export const FLINK_S3_PLUGIN_ARTIFACTS: MavenArtifact[] = [
  {
    groupId: 'org.apache.flink',
    artifactId: 'flink-s3-fs-hadoop',
    version: V.flinkS3Plugin,
    ...onlyJar,
  },
];

/** S3 mode: Iceberg's S3FileIO with the AWS SDK it needs, for Flink's Iceberg catalog and sink. */
export const ICEBERG_AWS_ARTIFACTS: MavenArtifact[] = [
  {
    groupId: 'org.apache.iceberg',
    artifactId: 'iceberg-aws-bundle',
    version: V.iceberg,
    ...onlyJar,
  },
];
