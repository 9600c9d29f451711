import { cp, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A copy of a project whose source topics carry a namespace prefix, so tests and benchmarks deploy
 * into a namespace of their own on a shared stack without touching each other's topics or jobs.
 */
export async function isolatedProject(
  projectDir: string,
  namespace: string,
): Promise<{ dir: string; topics: { page_views: string; orders: string } }> {
  const dir = await mkdtemp(join(tmpdir(), `lambdalake-${namespace}-`));
  await cp(join(projectDir, 'pipelines'), join(dir, 'pipelines'), { recursive: true });
  await cp(join(projectDir, 'sql'), join(dir, 'sql'), { recursive: true });
  for (const file of await readdir(join(dir, 'pipelines', 'sources'))) {
    const path = join(dir, 'pipelines', 'sources', file);
    const text = await readFile(path, 'utf8');
    await writeFile(
      path,
      text.replace(/^topic: (\S+)$/m, (_, name: string) => `topic: ${namespace}.${name}`),
    );
  }
  return { dir, topics: { page_views: `${namespace}.page_views`, orders: `${namespace}.orders` } };
}
