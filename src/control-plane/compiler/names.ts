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
  speedTopic: (ns: string, metric: string, version: string) => `${ns}.speed.${metric}.v${version}`,
  ingestionJob: (ns: string, source: string) => `${ns}-ingest-${source}`,
  ingestionGroup: (ns: string, source: string) => `${ns}-ingest-${source}`,
  speedJob: (ns: string, metric: string, version: string) => `${ns}-speed-${metric}-v${version}`,
  speedGroup: (ns: string, metric: string, version: string) => `${ns}-speed-${metric}-v${version}`,
  batchJob: (ns: string, metric: string, version: string) => `${ns}-batch-${metric}-v${version}`,
};

/**
 * The SQL schema a deployment's union views are served under: `metrics` for the default namespace
 * (`SELECT … FROM metrics.daily_active_users`), the namespace itself for any other.
 */
export function servingSchema(namespace: string): string {
  return namespace === DEFAULT_NAMESPACE ? 'metrics' : namespace;
}
