import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { resolveLayout } from '../../../src/stack/index.ts';

/** The test-only Python with the SQL clients and the Prometheus parser (scripts/ci/python-sql-clients.sh). */
export const TEST_PYTHON = join(
  resolveLayout().cache,
  'test-tools',
  'python-sql-clients',
  'bin',
  'python',
);

/** Runs a script of support/python with `args`, feeding `stdin`; resolves its stdout. */
export function runPython(script: string, args: string[], stdin = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      TEST_PYTHON,
      [join(import.meta.dirname, 'python', script), ...args],
      { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
    child.stdin?.end(stdin);
  });
}
