import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exists } from '../../artifacts/maven.ts';
import { runTool } from '../../artifacts/run.ts';
import { LauncherCompileError } from '../../errors.ts';
import type { StackContext } from '../../stackContext.ts';
import { STACK_VERSIONS } from '../../versions.ts';

/** The launcher's main class, compiled from the Java source beside this file. */
export const CATALOG_LAUNCHER_CLASS = 'lambdalake.stack.HostBoundCatalogServer';

const SOURCE = fileURLToPath(new URL('./HostBoundCatalogServer.java', import.meta.url));

/**
 * Where the compiled launcher lives in the artifact cache: keyed by a hash of its source and the
 * catalog jar's version, so an edited launcher (or a new jar) is compiled again and never mixed up.
 */
export function catalogLauncherDir(ctx: Pick<StackContext, 'layout'>): string {
  const hash = createHash('sha256')
    .update(readFileSync(SOURCE))
    .update(`iceberg-open-api ${STACK_VERSIONS.icebergRestServer}`)
    .digest('hex')
    .slice(0, 16);
  return join(ctx.layout.cache, `iceberg-rest-launcher-${hash}`);
}

/**
 * Compiles the launcher with the JDK's javac against the catalog jar, once per source version; the
 * `.complete` marker makes later calls free. Compiled in a private folder then renamed, so two stacks
 * starting at once cannot see half a class folder.
 */
export async function compileCatalogLauncher(
  ctx: Pick<StackContext, 'layout' | 'artifacts' | 'javac'>,
): Promise<string> {
  const target = catalogLauncherDir(ctx);
  if (await exists(join(target, '.complete'))) return target;
  const staging = `${target}.${process.pid}.staging`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const classpath = join(ctx.artifacts.icebergRestLib, '*');
    await runTool(
      ctx.javac,
      ['-nowarn', '-encoding', 'UTF-8', '-cp', classpath, '-d', staging, SOURCE],
      staging,
      { onFailure: (command, output) => new LauncherCompileError(command, output) },
    );
    await writeFile(join(staging, '.complete'), `${SOURCE}\n`);
    await rename(staging, target).catch(async (error: NodeJS.ErrnoException) => {
      // Another stack finished the same compile first: its classes are as good as ours.
      if (!(await exists(join(target, '.complete')))) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return target;
}
