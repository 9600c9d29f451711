import { join } from 'node:path';
import { STACK_VERSIONS } from '../versions.ts';
import type { ProgressReporter } from '../progress.ts';
import {
  FLINK_CONNECTOR_ARTIFACTS,
  FLINK_SQL_GATEWAY_ARTIFACTS,
  ICEBERG_REST_ARTIFACTS,
  KAFKA_ARTIFACTS,
} from './artifactSets.ts';
import { resolveFlinkDistribution } from './flinkDistribution.ts';
import { resolveMavenArtifacts, type MavenArtifact } from './maven.ts';

/** Folders of resolved jars, one per classpath the stack builds. */
export interface ResolvedArtifacts {
  kafkaLib: string;
  flinkLib: string;
  flinkConnectorsLib: string;
  flinkSqlGatewayLib: string;
  flinkBashJavaUtilsJar: string;
  icebergRestLib: string;
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
  };
}

/** Resolves every pinned artifact into the cache, reporting each step; cheap when all are present. */
export async function resolveArtifacts(
  cacheDir: string,
  progress: ProgressReporter,
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
  return paths;
}
