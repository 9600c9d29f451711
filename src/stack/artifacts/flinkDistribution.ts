import { mkdir, readdir, rm, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { exists } from './maven.ts';
import { runTool } from './run.ts';

/** The parts of a Flink distribution the local stack needs. */
export interface FlinkDistribution {
  /** Folder holding Flink's own lib/*.jar (flink-dist, table planner loader, log4j, ...). */
  libDir: string;
  /** Flink's BashJavaUtils jar, which computes JVM memory flags the way Flink's scripts do. */
  bashJavaUtilsJar: string;
}

/**
 * Fetches Flink's lib/ from PyPI's apache-flink-libraries (Flink stopped publishing flink-dist to
 * Maven Central after 2023; this sdist carries the distribution's jars). `--no-deps` keeps pip from
 * pulling apache-beam and pandas, which only PyFlink needs.
 */
export async function resolveFlinkDistribution(
  version: string,
  cacheDir: string,
): Promise<FlinkDistribution & { downloaded: boolean }> {
  const home = join(cacheDir, `flink-${version}`);
  const result = {
    libDir: join(home, 'lib'),
    bashJavaUtilsJar: join(home, 'bin', 'bash-java-utils.jar'),
  };
  if (await exists(join(home, '.complete'))) return { ...result, downloaded: false };

  const downloads = join(cacheDir, 'downloads');
  await mkdir(downloads, { recursive: true });
  const python = process.env.LAMBDALAKE_PYTHON ?? 'python3';
  const sdist = `apache_flink_libraries-${version}.tar.gz`;
  if (!(await exists(join(downloads, sdist)))) {
    await runTool(
      python,
      ['-m', 'pip', 'download', '--no-deps', `apache-flink-libraries==${version}`, '-d', downloads],
      downloads,
    );
  }
  const staging = `${home}.staging`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await runTool(
    'tar',
    ['-xzf', join(downloads, sdist), '-C', staging, '--wildcards', '*/deps/lib/*', '*/deps/bin/*'],
    staging,
  );
  const [top] = await readdir(staging);
  if (!top) throw new Error(`${sdist} was empty`);
  await rm(home, { recursive: true, force: true });
  await rename(join(staging, top, 'deps'), home);
  await rm(staging, { recursive: true, force: true });
  const jars = (await readdir(result.libDir)).filter((f) => f.endsWith('.jar'));
  if (!jars.some((j) => j.startsWith('flink-dist')))
    throw new Error(`no flink-dist jar in ${result.libDir}`);
  await writeFile(join(home, '.complete'), jars.sort().join('\n') + '\n');
  return { ...result, downloaded: true };
}
