/** TCP ports of the local stack; all services listen on 127.0.0.1. */
export interface StackPorts {
  kafka: number;
  kafkaController: number;
  flinkRest: number;
  flinkRpc: number;
  sqlGateway: number;
  icebergCatalog: number;
  servingPostgres: number;
  servingHttp: number;
  /** The scheduler's (`lambdalake run`) Prometheus `/metrics`, beside serving's HTTP port. */
  schedulerMetrics: number;
  /** The S3 server of the S3 warehouse mode (`stack up --s3`). */
  s3: number;
}

export const DEFAULT_PORTS: StackPorts = {
  kafka: 19092,
  kafkaController: 19093,
  flinkRest: 18081,
  flinkRpc: 16123,
  sqlGateway: 18083,
  icebergCatalog: 18181,
  servingPostgres: 15432,
  servingHttp: 18090,
  schedulerMetrics: 18091,
  s3: 19000,
};

/** The variable that sets each port alone. */
export const PORT_ENV_NAMES: Record<keyof StackPorts, string> = {
  kafka: 'LAMBDALAKE_KAFKA_PORT',
  kafkaController: 'LAMBDALAKE_KAFKA_CONTROLLER_PORT',
  flinkRest: 'LAMBDALAKE_FLINK_REST_PORT',
  flinkRpc: 'LAMBDALAKE_FLINK_RPC_PORT',
  sqlGateway: 'LAMBDALAKE_SQL_GATEWAY_PORT',
  icebergCatalog: 'LAMBDALAKE_ICEBERG_PORT',
  servingPostgres: 'LAMBDALAKE_PG_PORT',
  servingHttp: 'LAMBDALAKE_HTTP_PORT',
  schedulerMetrics: 'LAMBDALAKE_SCHEDULER_METRICS_PORT',
  s3: 'LAMBDALAKE_S3_PORT',
};

/**
 * Ports from the environment: each can be set alone (e.g. LAMBDALAKE_KAFKA_PORT), and
 * LAMBDALAKE_PORT_OFFSET shifts every default at once so a second stack can run beside the first.
 */
export function resolvePorts(env: NodeJS.ProcessEnv = process.env): StackPorts {
  const offset = parsePort('LAMBDALAKE_PORT_OFFSET', env.LAMBDALAKE_PORT_OFFSET ?? '0', true);
  const ports = { ...DEFAULT_PORTS };
  for (const key of Object.keys(ports) as (keyof StackPorts)[]) {
    const raw = env[PORT_ENV_NAMES[key]];
    ports[key] =
      raw === undefined ? DEFAULT_PORTS[key] + offset : parsePort(PORT_ENV_NAMES[key], raw, false);
  }
  return ports;
}

function parsePort(name: string, raw: string, allowZero: boolean): number {
  const value = Number(raw);
  const min = allowZero ? 0 : 1;
  if (!Number.isInteger(value) || value < min || value > 65535) {
    throw new RangeError(
      `${name}=${raw} is not a valid port: expected an integer from ${min} to 65535`,
    );
  }
  return value;
}
