import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exists } from './maven.ts';
import { runTool } from './run.ts';

/** Where the MinIO binary of `version` lives in the cache. */
export function minioBinaryPath(cacheDir: string, version: string): string {
  return join(cacheDir, `minio-${version}`, 'minio');
}

/**
 * Builds MinIO with the ordinary Go client from the Go module proxy into the cache (about 5 minutes
 * on 2 cores, once; ~150 MB). Built in a private folder then renamed, so a killed build leaves
 * nothing that looks complete.
 */
export async function resolveMinio(
  cacheDir: string,
  version: string,
): Promise<{ binary: string; downloaded: boolean }> {
  const binary = minioBinaryPath(cacheDir, version);
  const home = join(cacheDir, `minio-${version}`);
  if (await exists(join(home, '.complete'))) return { binary, downloaded: false };
  const staging = `${home}.${process.pid}.staging`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await runTool('go', ['install', `github.com/minio/minio@${version}`], staging, {
      env: { GOBIN: staging },
    });
    await writeFile(join(staging, '.complete'), `github.com/minio/minio@${version}\n`);
    await rm(home, { recursive: true, force: true });
    await rename(staging, home);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { binary, downloaded: true };
}
