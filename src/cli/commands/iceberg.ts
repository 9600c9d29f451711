import { Command } from 'commander';
import Table from 'cli-table3';
import {
  IcebergCatalogClient,
  readSnapshotFiles,
  refsOf,
  snapshotHistory,
} from '../../iceberg/index.ts';

const plain = () => (process.stdout.isTTY ? {} : { head: [], border: [] });

/** `lambdalake iceberg ls [namespace[.table]] [--json]`. */
export function icebergCommand(): Command {
  const iceberg = new Command('iceberg').description('inspect the Iceberg REST catalog');
  iceberg
    .command('ls')
    .description(
      "namespaces; the tables of a namespace; or a table's snapshots, refs and current data files",
    )
    .argument('[target]', 'namespace or namespace.table')
    .option(
      '--catalog <url>',
      'Iceberg REST catalog URL',
      process.env.LAMBDALAKE_ICEBERG_URL ?? 'http://127.0.0.1:18181',
    )
    .option('--json', 'print JSON')
    .action(async (target: string | undefined, opts: { catalog: string; json?: boolean }) => {
      const catalog = new IcebergCatalogClient({ url: opts.catalog });
      const out = (value: unknown, render: () => string): void => {
        process.stdout.write((opts.json ? JSON.stringify(value, null, 2) : render()) + '\n');
      };
      if (!target) {
        const namespaces = await catalog.listNamespaces();
        return out(
          namespaces.map((n) => n.join('.')),
          () =>
            table(
              ['namespace'],
              namespaces.map((n) => [n.join('.')]),
            ),
        );
      }
      const parts = target.split('.');
      if (parts.length === 1 || (await catalog.namespaceExists(parts))) {
        const tables = await catalog.listTables(parts);
        return out(
          tables.map((t) => t.name),
          () =>
            table(
              ['table'],
              tables.map((t) => [t.name]),
            ),
        );
      }
      const ident = { namespace: parts.slice(0, -1), name: parts[parts.length - 1]! };
      const metadata = (await catalog.loadTable(ident)).metadata;
      const snapshots = snapshotHistory(metadata);
      const refs = refsOf(metadata);
      const files = await readSnapshotFiles(metadata, await catalog.fileIO());
      const value = { table: target, location: metadata.location, snapshots, refs, files };
      out(value, () =>
        [
          `${target}  (${metadata.location})`,
          table(
            ['snapshot', 'parent', 'time', 'operation', 'added rows', 'total rows'],
            snapshots.map((s) => [
              s.snapshotId,
              s.parentId ?? '-',
              new Date(s.timestampMs).toISOString(),
              s.operation,
              s.summary['added-records'] ?? '',
              s.summary['total-records'] ?? '',
            ]),
          ),
          table(
            ['ref', 'type', 'snapshot'],
            refs.map((r) => [r.name, r.type, r.snapshotId]),
          ),
          table(
            ['data file (current snapshot)', 'partition', 'rows', 'bytes'],
            files.dataFiles.map((f) => [
              f.path.slice(f.path.indexOf('/data/') + 1),
              JSON.stringify(f.partition),
              f.recordCount,
              f.fileSizeBytes,
            ]),
          ),
        ].join('\n'),
      );
    });
  return iceberg;
}

function table(head: string[], rows: (string | number)[][]): string {
  const t = new Table({ head, style: plain() });
  t.push(...rows);
  return t.toString();
}
