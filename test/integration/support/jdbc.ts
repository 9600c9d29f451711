import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { resolveMavenArtifacts } from '../../../src/stack/artifacts/maven.ts';
import { resolveLayout } from '../../../src/stack/index.ts';

/** The PostgreSQL JDBC driver the probe runs with (a test-only tool, resolved like the stack's jars). */
const PG_JDBC = { groupId: 'org.postgresql', artifactId: 'postgresql', version: '42.7.8' };
const PROBE = resolve(import.meta.dirname, 'jdbc', 'JdbcProbe.java');

export interface JdbcProbeOutput {
  server: string;
  tables: { schema: string; name: string; type: string }[];
  columns: { name: string; type: string }[];
  /** Rows of each of the ten executions, by run number (1..10). */
  runs: Map<number, string[][]>;
  /** The single value the date-parameter query returned. */
  date: string;
}

/**
 * Runs JdbcProbe.java (Java's single-file launcher) with pgJDBC against the serving endpoint:
 * DatabaseMetaData.getTables/getColumns on `schema`.`view`, then `sql` with one bound parameter ten
 * times on one prepared statement, then `dateSql` with a java.sql.Date parameter.
 */
export async function runJdbcProbe(args: {
  port: number;
  user: string;
  password: string;
  database: string;
  schema: string;
  view: string;
  sql: string;
  param: string;
  dateSql: string;
  date: string;
}): Promise<JdbcProbeOutput> {
  const dir = join(resolveLayout().cache, 'test-tools', `pgjdbc-${PG_JDBC.version}`);
  await resolveMavenArtifacts('pgjdbc', [{ ...PG_JDBC, transitive: false }], dir);
  const jar = (await readdir(dir)).find((f) => f.endsWith('.jar'))!;
  const { stdout } = await promisify(execFile)(
    'java',
    [
      '-cp',
      join(dir, jar),
      PROBE,
      `jdbc:postgresql://127.0.0.1:${args.port}/${args.database}`,
      args.user,
      args.password,
      args.schema,
      args.view,
      args.sql,
      args.param,
      args.dateSql,
      args.date,
    ],
    { timeout: 60_000 },
  );
  const out: JdbcProbeOutput = { server: '', tables: [], columns: [], runs: new Map(), date: '' };
  for (const line of stdout.split('\n').filter(Boolean)) {
    const [kind, ...fields] = line.split('\t');
    if (kind === 'server') out.server = fields.join(' ');
    else if (kind === 'table')
      out.tables.push({ schema: fields[0]!, name: fields[1]!, type: fields[2]! });
    else if (kind === 'column') out.columns.push({ name: fields[0]!, type: fields[1]! });
    else if (kind === 'row') {
      const run = Number(fields[0]);
      out.runs.set(run, [...(out.runs.get(run) ?? []), fields.slice(1)]);
    } else if (kind === 'date') out.date = fields[0]!;
  }
  return out;
}
