import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localTableMaintenanceJar } from '../../../settings/jobJars.ts';
import { exists } from '../../artifacts/maven.ts';
import { runTool } from '../../artifacts/run.ts';
import { LauncherCompileError } from '../../errors.ts';
import type { StackContext } from '../../stackContext.ts';
import { STACK_VERSIONS } from '../../versions.ts';

const SOURCE = fileURLToPath(new URL('./TableMaintenanceJob.java', import.meta.url));

/** The jar's folder in the artifact cache, keyed by the source and the jars it is compiled against. */
function cachedJarDir(ctx: Pick<StackContext, 'layout'>): string {
  const hash = createHash('sha256')
    .update(readFileSync(SOURCE))
    .update(JSON.stringify(STACK_VERSIONS))
    .digest('hex')
    .slice(0, 16);
  return join(ctx.layout.cache, `table-maintenance-job-${hash}`);
}

/**
 * Compiles the table-maintenance job (the compaction the control plane submits to Flink) with the
 * JDK's javac and jar against the stack's Flink and Iceberg jars, once per source version, and
 * copies the jar into the run folder where the control plane looks for it. The job's classes
 * only: its dependencies are on the cluster's classpath already.
 */
export async function buildTableMaintenanceJar(
  ctx: Pick<StackContext, 'layout' | 'artifacts' | 'javac'>,
): Promise<string> {
  const cached = join(cachedJarDir(ctx), 'table-maintenance.jar');
  if (!(await exists(cached))) await compile(ctx, cached);
  const target = localTableMaintenanceJar(ctx.layout.run);
  await mkdir(dirname(target), { recursive: true });
  // Copied, then renamed: a control plane reading the jar meanwhile sees the old one or the new one.
  await copyFile(cached, `${target}.${process.pid}`);
  await rename(`${target}.${process.pid}`, target);
  return target;
}

/** Compiled in a private folder then renamed, so two stacks building at once never share half a jar. */
async function compile(
  ctx: Pick<StackContext, 'layout' | 'artifacts' | 'javac'>,
  cached: string,
): Promise<void> {
  const staging = `${dirname(cached)}.${process.pid}.staging`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(join(staging, 'classes'), { recursive: true });
  const onFailure = (command: string, output: string) => new LauncherCompileError(command, output);
  try {
    const classpath = [ctx.artifacts.flinkLib, ctx.artifacts.flinkConnectorsLib]
      .map((dir) => join(dir, '*'))
      .join(':');
    await runTool(
      ctx.javac,
      ['-nowarn', '-encoding', 'UTF-8', '-cp', classpath, '-d', join(staging, 'classes'), SOURCE],
      staging,
      { onFailure },
    );
    // The JDK's jar tool sits beside its javac.
    const jarTool = ctx.javac.includes('/') ? join(dirname(ctx.javac), 'jar') : 'jar';
    const jar = join(staging, basename(cached));
    await runTool(
      jarTool,
      ['--create', '--file', jar, '-C', join(staging, 'classes'), '.'],
      staging,
      {
        onFailure,
      },
    );
    await rm(join(staging, 'classes'), { recursive: true });
    await writeFile(join(staging, 'SOURCE'), `${SOURCE}\n`);
    await rename(staging, dirname(cached)).catch(async (error: NodeJS.ErrnoException) => {
      // Another stack finished the same build first: its jar is as good as ours.
      if (!(await exists(cached))) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
