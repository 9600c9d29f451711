import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { LaunchSpec } from './services/serviceDefinition.ts';

/**
 * Starts a service detached in its own process group, stdout and stderr appended to `logFile`,
 * so it outlives the CLI command that started it and `down` can signal the whole group.
 */
export function spawnDetached(launch: LaunchSpec, logFile: string): number {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(launch.command, launch.args, {
      cwd: launch.cwd,
      env: { ...process.env, ...launch.env },
      ...(launch.argv0 ? { argv0: launch.argv0 } : {}),
      detached: true,
      stdio: ['ignore', fd, fd],
      uid: launch.uid,
      gid: launch.gid,
    });
    if (child.pid === undefined) throw new Error(`could not start ${launch.command}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** True when `pid` is alive and its command line still carries our marker (pids get reused). */
export async function isOurProcess(pid: number, marker: string): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.split('\0').includes(marker);
  } catch {
    return false;
  }
}

/** Resident memory of a process in MiB, from /proc (Linux), or undefined when unknown. */
export async function residentMemoryMiB(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match?.[1] ? Math.round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** SIGTERM to the process group, then SIGKILL after `graceMs`; resolves once the leader is gone. */
export async function stopProcessGroup(
  pid: number,
  marker: string,
  graceMs = 20_000,
): Promise<'stopped' | 'killed' | 'absent'> {
  if (!(await isOurProcess(pid, marker))) return 'absent';
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await sleep(200);
  }
  signalGroup(pid, 'SIGKILL');
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
  return 'killed';
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0; treat it as gone.
    return !isZombie(pid);
  } catch {
    return false;
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
