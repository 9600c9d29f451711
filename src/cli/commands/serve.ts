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
      'serve the union views over Postgres wire and HTTP (Dremio-style catalog, SQL jobs, Arrow) until SIGTERM',
    )
    .option('--pg-port <port>', 'Postgres wire port', port)
    .option('--http-port <port>', 'HTTP port', port)
    .option('--iceberg-url <url>', 'Iceberg REST catalog holding the views')
    .option(
      '--kafka-brokers <list>',
      'comma-separated Kafka bootstrap servers for the speed topics',
    )
    .action(
      async (opts: {
        pgPort?: number;
        httpPort?: number;
        icebergUrl?: string;
        kafkaBrokers?: string;
      }) => {
        const defaults = servingConfig();
        await serveUntilSignalled({
          ...defaults,
          pgPort: opts.pgPort ?? defaults.pgPort,
          httpPort: opts.httpPort ?? defaults.httpPort,
          icebergUrl: opts.icebergUrl ?? defaults.icebergUrl,
          kafkaBrokers: opts.kafkaBrokers?.split(',') ?? defaults.kafkaBrokers,
        });
      },
    );
}
