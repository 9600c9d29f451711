import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ServiceName } from './services/serviceDefinition.ts';

/** What `up` remembers of each process it started, so `status` and `down` can find it again. */
export interface StartedService {
  pid: number;
  marker: string;
  startedAt: string;
  logFile: string;
  /** The container's name when it runs as a container (its pid is then the container's main process). */
  container?: string;
}

export type StackState = Partial<Record<ServiceName, StartedService>>;

export function stateFilePath(runDir: string): string {
  return join(runDir, 'stack-state.json');
}

export async function readStackState(runDir: string): Promise<StackState> {
  try {
    return JSON.parse(await readFile(stateFilePath(runDir), 'utf8')) as StackState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

/** Written through a temporary file and a rename, so a killed command never leaves half a file. */
export async function writeStackState(runDir: string, state: StackState): Promise<void> {
  const path = stateFilePath(runDir);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, JSON.stringify(state, null, 2) + '\n');
  await rename(`${path}.tmp`, path);
}
