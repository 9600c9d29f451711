import { spawn } from 'node:child_process';
import { ArtifactResolutionError, MissingToolError, type StackError } from '../errors.ts';

/** Turns a tool's failed run (its command line and output) into the error the caller's family uses. */
export type ToolFailure = (command: string, output: string) => StackError;

const registryFailure: ToolFailure = (command, output) =>
  new ArtifactResolutionError(command, output);

export interface RunToolOptions {
  /** The error a failed run becomes (default: ArtifactResolutionError, for registry clients). */
  onFailure?: ToolFailure;
  /** Variables added to this process's environment. */
  env?: Record<string, string>;
}

/** Runs a tool (a registry client by default) to completion, keeping its output for the error if it fails. */
export async function runTool(
  command: string,
  args: string[],
  cwd: string,
  { onFailure = registryFailure, env = {} }: RunToolOptions = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') reject(new MissingToolError(command, installHint(command)));
      else reject(error);
    });
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(onFailure(`${command} ${args.join(' ')}`, output));
    });
  });
}

function installHint(command: string): string {
  if (command === 'mvn') return 'install Maven 3.8+ (Debian: apt-get install maven)';
  if (command === 'go')
    return 'install Go 1.24+ (https://go.dev/doc/install); only `stack up --s3` needs it';
  if (command.endsWith('javac'))
    return 'install a JDK 17+, not only a JRE (Debian: apt-get install openjdk-17-jdk-headless)';
  if (command.endsWith('java'))
    return 'install a JDK 17+ (Debian: apt-get install openjdk-17-jdk-headless)';
  if (command.startsWith('python') || command === 'pip') return 'install Python 3 with pip';
  return 'install it and try again';
}
