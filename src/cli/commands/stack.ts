import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import Table from 'cli-table3';
import {
  SERVICE_NAMES,
  stackContext,
  stackDown,
  stackEndpointsOf,
  stackStatus,
  stackUp,
  stderrProgress,
  type ServiceName,
  type ServiceStatus,
} from '../../stack/index.ts';

/** `lambdalake stack up | down | status | logs <service>`. */
export function stackCommand(): Command {
  const stack = new Command('stack').description(
    'the local stack: Kafka, Flink (JobManager, TaskManager, SQL Gateway), Iceberg REST catalog, serving (and an S3 server with --s3)',
  );

  stack
    .command('up')
    .description(
      'resolve artifacts and start every service that is not already running; idempotent',
    )
    .option('--json', 'print the status as JSON')
    .option(
      '--s3',
      'S3 warehouse mode: a local S3 server (MinIO) holds the Iceberg warehouse and Flink checkpoints (also LAMBDALAKE_S3=1); a run folder keeps the mode of its first up',
    )
    .option(
      '--containers',
      'start the services as containers through testcontainers (Docker, or podman serving the Docker API), on the same ports (also LAMBDALAKE_CONTAINERS=1); serving stays a process',
    )
    .action(async (opts: { json?: boolean; s3?: boolean; containers?: boolean }) => {
      const started = Date.now();
      const result = await stackUp(stderrProgress(), {
        ...(opts.s3 ? { s3: true } : {}),
        ...(opts.containers ? { containers: true } : {}),
      });
      process.stderr.write(
        result.started.length === 0
          ? 'stack already running: nothing started\n'
          : `started ${result.started.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
      );
      printStatus(await stackStatus(), opts.json === true);
    });

  stack
    .command('down')
    .description('stop every process the stack started')
    .action(async () => {
      const stopped = await stackDown(stderrProgress());
      process.stderr.write(
        stopped.length === 0 ? 'nothing was running\n' : `stopped ${stopped.join(', ')}\n`,
      );
    });

  stack
    .command('status')
    .description('each service: where it listens, url, pid, health, resident memory')
    .option(
      '--json',
      'print JSON: an array of {name, url, host, port, listening, pid, state, healthy, detail, rssMiB, logFile}',
    )
    .action(async (opts: { json?: boolean }) => {
      const statuses = await stackStatus();
      printStatus(statuses, opts.json === true);
      if (statuses.some((s) => s.state === 'crashed')) process.exitCode = 1;
    });

  stack
    .command('endpoints')
    .description('the endpoints clients use, as JSON')
    .action(() => {
      process.stdout.write(JSON.stringify(stackEndpointsOf(stackContext()), null, 2) + '\n');
    });

  stack
    .command('logs')
    .description("print a service's log file")
    .addArgument(new Command().createArgument('<service>', 'service name').choices(SERVICE_NAMES))
    .addOption(new Option('-n, --lines <count>', 'lines from the end').default('100'))
    .option('-f, --follow', 'keep printing as the log grows')
    .action(async (service: ServiceName, opts: { lines: string; follow?: boolean }) => {
      const ctx = stackContext();
      const files = logFiles(ctx.layout.logs, service);
      const args = ['-n', opts.lines, ...(opts.follow ? ['-F'] : []), ...files];
      await new Promise<void>((resolve) =>
        spawn('tail', args, { stdio: 'inherit' }).on('close', () => resolve()),
      );
    });

  return stack;
}

/** The process's own output plus the service's application log, where it writes one. */
function logFiles(logsDir: string, service: ServiceName): string[] {
  const own: Partial<Record<ServiceName, string>> = {
    kafka: 'kafka-server.log',
    'flink-jobmanager': 'flink-jobmanager.log',
    'flink-taskmanager': 'flink-taskmanager.log',
    'flink-sql-gateway': 'flink-sql-gateway.log',
  };
  const app = own[service];
  return [join(logsDir, `${service}.out`), ...(app ? [join(logsDir, app)] : [])];
}

function printStatus(statuses: ServiceStatus[], json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(statuses, null, 2) + '\n');
    return;
  }
  const table = new Table({
    head: ['service', 'listens on', 'url', 'pid', 'state', 'healthy', 'RSS MiB', 'detail'],
    style: process.stdout.isTTY ? {} : { head: [], border: [] },
  });
  for (const s of statuses) {
    table.push([
      s.name,
      // What the kernel says the process listens on (one address a line), not what was configured.
      s.listening.length > 0 ? s.listening.join('\n') : '-',
      s.url,
      s.pid ?? '-',
      s.state,
      s.healthy ? 'yes' : 'no',
      s.rssMiB ?? '-',
      s.detail.slice(0, 60),
    ]);
  }
  process.stdout.write(table.toString() + '\n');
}
