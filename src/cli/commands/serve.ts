import { Command } from 'commander';
import { servingConfig, serveUntilSignalled } from '../../serving/main.ts';

const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new Error(`'${value}' is not a port: give a whole number from 1 to 65535`);
  return n;
};

/**
 * `lambdalake serve`: the serving endpoint in the foreground (what `stack up` runs as a service).
 * Settings default to the local stack's and to LAMBDALAKE_* variables; flags override them.
 */
export function serveCommand(): Command {
  return new Command('serve')
    .description(
      'load the union views into PostgreSQL and serve the HTTP API (Dremio-style catalog, SQL jobs, Arrow) until SIGTERM',
    )
    .option(
      '--pg-url <url>',
      'PostgreSQL with the owner credential (default: the local stack, or LAMBDALAKE_SERVING_PG_URL)',
    )
    .option('--http-port <port>', 'HTTP port', port)
    .option('--bind <address>', 'HTTP bind address (LAMBDALAKE_SERVING_BIND; default 127.0.0.1)')
    .option('--iceberg-url <url>', 'Iceberg REST catalog holding the views')
    .option(
      '--kafka-brokers <list>',
      'comma-separated Kafka bootstrap servers for the speed topics',
    )
    .action(
      async (opts: {
        pgUrl?: string;
        httpPort?: number;
        bind?: string;
        icebergUrl?: string;
        kafkaBrokers?: string;
      }) => {
        const defaults = servingConfig();
        await serveUntilSignalled({
          ...defaults,
          pgUrl: opts.pgUrl ?? defaults.pgUrl,
          httpPort: opts.httpPort ?? defaults.httpPort,
          bindAddress: opts.bind ?? defaults.bindAddress,
          icebergUrl: opts.icebergUrl ?? defaults.icebergUrl,
          kafkaBrokers: opts.kafkaBrokers?.split(',') ?? defaults.kafkaBrokers,
        });
      },
    );
}
