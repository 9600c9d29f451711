import { join } from 'node:path';
import { STACK_VERSIONS } from '../versions.ts';
import type { ProgressReporter } from '../progress.ts';
import {
  FLINK_CONNECTOR_ARTIFACTS,
  FLINK_S3_PLUGIN_ARTIFACTS,
  FLINK_SQL_GATEWAY_ARTIFACTS,
  ICEBERG_AWS_ARTIFACTS,
  ICEBERG_REST_ARTIFACTS,
  KAFKA_ARTIFACTS,
} from './artifactSets.ts';
import { resolveFlinkDistribution } from './flinkDistribution.ts';
import { resolveMavenArtifacts, type MavenArtifact } from './maven.ts';
import { minioBinaryPath, resolveMinio } from './minio.ts';

/** Folders of resolved jars, one per classpath the stack builds. */
export interface ResolvedArtifacts {
  kafkaLib: string;
  flinkLib: string;
  flinkConnectorsLib: string;
  flinkSqlGatewayLib: string;
  flinkBashJavaUtilsJar: string;
  icebergRestLib: string;
  /** S3 mode only: Flink's S3 filesystem jar (installed as a plugin), Iceberg's S3FileIO bundle, MinIO. */
  flinkS3PluginLib: string;
  icebergAwsLib: string;
  minioBinary: string;
}

const v = STACK_VERSIONS;

/** Where each artifact folder is in the cache: a pure function, so `status` needs no download. */
export function artifactPaths(cacheDir: string): ResolvedArtifacts {
  const flinkHome = join(cacheDir, `flink-${v.flink}`);
  return {
    kafkaLib: join(cacheDir, `kafka-${v.kafka}`),
    flinkLib: join(flinkHome, 'lib'),
    flinkBashJavaUtilsJar: join(flinkHome, 'bin', 'bash-java-utils.jar'),
    flinkConnectorsLib: join(
      cacheDir,
      `flink-connectors-${v.flinkKafkaConnector}-iceberg-${v.iceberg}`,
    ),
    flinkSqlGatewayLib: join(cacheDir, `flink-sql-gateway-${v.flink}`),
    icebergRestLib: join(cacheDir, `iceberg-rest-${v.icebergRestServer}`),
    flinkS3PluginLib: join(cacheDir, `flink-s3-fs-hadoop-${v.flinkS3Plugin}`),
    icebergAwsLib: join(cacheDir, `iceberg-aws-bundle-${v.iceberg}`),
    minioBinary: minioBinaryPath(cacheDir, v.minio),
  };
}

/**
 * Resolves every pinned artifact into the cache, reporting each step; cheap when all are present.
 * The S3 warehouse's artifacts only when `s3` is set.
 */
export async function resolveArtifacts(
  cacheDir: string,
  progress: ProgressReporter,
  { s3 = false }: { s3?: boolean } = {},
): Promise<ResolvedArtifacts> {
  const paths = artifactPaths(cacheDir);
  const maven = (label: string, artifacts: MavenArtifact[], target: string) =>
    progress.step(`${label} (Maven Central)`, () =>
      resolveMavenArtifacts(label, artifacts, target),
    );
  await progress.step(`Flink ${v.flink} lib/ (PyPI apache-flink-libraries, ~300 MB once)`, () =>
    resolveFlinkDistribution(v.flink, cacheDir),
  );
  await maven(`kafka-${v.kafka}`, KAFKA_ARTIFACTS, paths.kafkaLib);
  await maven(`flink-connectors`, FLINK_CONNECTOR_ARTIFACTS, paths.flinkConnectorsLib);
  await maven(
    `flink-sql-gateway-${v.flink}`,
    FLINK_SQL_GATEWAY_ARTIFACTS,
    paths.flinkSqlGatewayLib,
  );
  await maven(`iceberg-rest-${v.icebergRestServer}`, ICEBERG_REST_ARTIFACTS, paths.icebergRestLib);
  if (s3) {
    await maven(
      `flink-s3-fs-hadoop-${v.flinkS3Plugin}`,
      FLINK_S3_PLUGIN_ARTIFACTS,
      paths.flinkS3PluginLib,
    );
    await maven(`iceberg-aws-bundle-${v.iceberg}`, ICEBERG_AWS_ARTIFACTS, paths.icebergAwsLib);
    await progress.step('MinIO (Go module proxy, ~5 min once)', () =>
      resolveMinio(cacheDir, v.minio),
    );
  }
  return paths;
}
