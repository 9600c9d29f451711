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
  /**
   * Connector properties that authenticate to Kafka (`properties.security.protocol`, SASL), from
   * the Kafka security binding every client shares; empty for plaintext (the local stack).
   */
  kafkaProperties?: Record<string, string>;
}

/** The Kafka security properties as further `'key' = 'value'` lines of a WITH clause. */
export function kafkaSecurityLines(b: RuntimeBindings): string {
  return Object.entries(b.kafkaProperties ?? {})
    .map(([k, v]) => `,\n  ${lit(k)} = ${lit(v)}`)
    .join('');
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
