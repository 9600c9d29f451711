import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StackError } from './errors.ts';
import type { S3Settings } from './stackContext.ts';
import type { StackPorts } from './ports.ts';

/** Where a run folder's warehouse lives; fixed by its first `stack up` (its catalog points there). */
export interface WarehouseMode {
  s3: boolean;
}

function modeFile(runDir: string): string {
  return join(runDir, 'warehouse-mode.json');
}

/** The mode recorded in a run folder, or undefined before its first `stack up`. */
export function readWarehouseMode(runDir: string): WarehouseMode | undefined {
  try {
    return JSON.parse(readFileSync(modeFile(runDir), 'utf8')) as WarehouseMode;
  } catch {
    return undefined;
  }
}

/** The mode asked for (`--s3` or LAMBDALAKE_S3=1/0), or undefined when nothing was asked. */
export function requestedWarehouseMode(
  env: NodeJS.ProcessEnv,
  s3Option: boolean | undefined,
): WarehouseMode | undefined {
  if (s3Option !== undefined) return { s3: s3Option };
  const raw = env.LAMBDALAKE_S3;
  if (raw === undefined || raw === '') return undefined;
  return { s3: raw === '1' || raw.toLowerCase() === 'true' };
}

/**
 * Records the mode at the first `up`; refuses to switch a run folder's mode, since its catalog's
 * tables point at files in the other warehouse (a new LAMBDALAKE_RUN_DIR starts fresh).
 */
export async function fixWarehouseMode(
  runDir: string,
  requested: WarehouseMode | undefined,
): Promise<void> {
  const recorded = readWarehouseMode(runDir);
  if (recorded && requested && recorded.s3 !== requested.s3) {
    throw new StackError(
      'warehouse_mode_mismatch',
      `${runDir} holds a ${recorded.s3 ? 's3://' : 'local'} warehouse; it cannot switch to ${requested.s3 ? 's3://' : 'a local one'}: stop the stack and use another LAMBDALAKE_RUN_DIR (or remove this one)`,
      false,
    );
  }
  if (!recorded) {
    await mkdir(runDir, { recursive: true });
    await writeFile(modeFile(runDir), JSON.stringify(requested ?? { s3: false }) + '\n');
  }
}

/** The local S3 server's settings: its port, one bucket, development credentials (loopback only). */
export function localS3Settings(ports: Pick<StackPorts, 's3'>): S3Settings {
  return {
    endpoint: `http://127.0.0.1:${ports.s3}`,
    region: 'us-east-1',
    bucket: 'lambdalake',
    accessKeyId: 'lambdalake',
    secretAccessKey: 'lambdalake-local-s3',
  };
}
