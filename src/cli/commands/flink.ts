import { Command } from 'commander';
import Table from 'cli-table3';
import { SqlGatewayClient, type SqlValue } from '../../flink/index.ts';

/** `lambdalake flink sql "<statement>" [--batch|--streaming] [--json]`. */
export function flinkCommand(): Command {
  const flink = new Command('flink').description('talk to the Flink SQL Gateway and JobManager');
  flink
    .command('sql')
    .description('run one statement (or a script of several) and print its rows')
    .argument(
      '<statement>',
      'Flink SQL; several statements separated by semicolons run in one session',
    )
    .option('--batch', 'execution.runtime-mode = batch (the default)')
    .option(
      '--streaming',
      'execution.runtime-mode = streaming (an INSERT prints its job id and returns)',
    )
    .option(
      '--gateway <url>',
      'SQL Gateway URL',
      process.env.LAMBDALAKE_SQL_GATEWAY_URL ?? 'http://127.0.0.1:18083',
    )
    .option('--json', 'print JSON rows')
    .action(
      async (statement: string, opts: { streaming?: boolean; gateway: string; json?: boolean }) => {
        const client = new SqlGatewayClient({ url: opts.gateway });
        const mode = opts.streaming ? 'streaming' : 'batch';
        const results = await client.withSession((session) =>
          client.runScript(session, statement, {
            executionConfig: { 'execution.runtime-mode': mode },
          }),
        );
        const last = results[results.length - 1];
        if (!last) return;
        if (opts.json) {
          const rows = last.rows.map((r) => ({ kind: r.kind, ...r.values }));
          process.stdout.write(
            JSON.stringify(
              { jobId: last.jobId, columns: last.columns.map((c) => c.name), rows },
              jsonSafe,
              2,
            ) + '\n',
          );
          return;
        }
        const table = new Table({
          head: last.columns.map((c) => c.name),
          style: process.stdout.isTTY ? {} : { head: [], border: [] },
        });
        for (const row of last.rows) table.push(row.fields.map(display));
        process.stdout.write(table.toString() + '\n');
        process.stderr.write(
          `${last.rows.length} row(s)${last.jobId ? `, job ${last.jobId}` : ''}\n`,
        );
      },
    );
  return flink;
}

function display(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (value instanceof Uint8Array) return `x'${Buffer.from(value).toString('hex')}'`;
  if (value instanceof Map) return JSON.stringify(Object.fromEntries(value), jsonSafe);
  if (typeof value === 'object') return JSON.stringify(value, jsonSafe);
  return String(value);
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}
