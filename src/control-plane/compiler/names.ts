/** Every name lambdalake derives from a definition, in one place (infra/pulumi uses the same). */
export const DEFAULT_NAMESPACE = 'lambdalake';

/**
 * Names shared by every deployment on the same Kafka and Flink cluster (topics, jobs, consumer
 * groups) start with the deployment's namespace, so two namespaces never collide; with the default
 * namespace they read `lambdalake-ingest-orders`, `lambdalake.speed.<metric>.v<version>`.
 */
export const names = {
  masterTable: (source: string) => `${source}_master`,
  batchTable: (metric: string, version: string) => `${metric}__v${version}`,
  deadLetterTopic: (ns: string, source: string) => `${ns}.dead-letters.${source}`,
  /**
   * A speed job restarted without state writes a new generation of the topic (and commits to a new
   * group), so serving keeps the previous generation's values until the new one has caught up.
   */
  speedTopic: (ns: string, metric: string, version: string, generation = 0) =>
    `${ns}.speed.${metric}.v${version}${generation > 0 ? `.g${generation}` : ''}`,
  ingestionJob: (ns: string, source: string) => `${ns}-ingest-${source}`,
  ingestionGroup: (ns: string, source: string) => `${ns}-ingest-${source}`,
  speedJob: (ns: string, metric: string, version: string) => `${ns}-speed-${metric}-v${version}`,
  speedGroup: (ns: string, metric: string, version: string, generation = 0) =>
    `${ns}-speed-${metric}-v${version}${generation > 0 ? `-g${generation}` : ''}`,
  batchJob: (ns: string, metric: string, version: string) => `${ns}-batch-${metric}-v${version}`,
};

/**
 * The SQL schema a deployment's union views are served under: `metrics` for the default namespace
 * (`SELECT … FROM metrics.daily_active_users`), the namespace itself for any other.
 */
export function servingSchema(namespace: string): string {
  return namespace === DEFAULT_NAMESPACE ? 'metrics' : namespace;
}
