/** Where the compiled scripts run: the only inputs to compilation besides the definitions. */
export interface RuntimeBindings {
  /** Iceberg REST catalog URL as Flink reaches it. */
  catalogUri: string;
  /** Warehouse location (optional for catalogs that assign it). */
  warehouse?: string;
  /** Flink catalog name the scripts create for Iceberg. */
  catalogName: string;
  /** Iceberg namespace holding master and batch view tables. */
  namespace: string;
  kafkaBootstrap: string;
}

export function defaultBindings(env: NodeJS.ProcessEnv = process.env): RuntimeBindings {
  return {
    catalogUri: env.LAMBDALAKE_ICEBERG_URL ?? 'http://127.0.0.1:18181',
    catalogName: 'lake',
    namespace: env.LAMBDALAKE_NAMESPACE ?? 'lambdalake',
    kafkaBootstrap: env.LAMBDALAKE_KAFKA_BROKERS ?? '127.0.0.1:19092',
  };
}

/** Quotes a Flink SQL string literal. */
export function lit(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Quotes a Flink SQL identifier. */
export function ident(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
