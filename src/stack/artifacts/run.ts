import { spawn } from 'node:child_process';
import { ArtifactResolutionError, MissingToolError } from '../errors.ts';

/** Runs a registry client to completion, keeping its output for the error if it fails. */
export async function runTool(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') reject(new MissingToolError(command, installHint(command)));
      else reject(error);
    });
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new ArtifactResolutionError(`${command} ${args.join(' ')}`, output));
    });
  });
}

function installHint(command: string): string {
  if (command === 'mvn') return 'install Maven 3.8+ (Debian: apt-get install maven)';
  if (command === 'java')
    return 'install a JDK 17+ (Debian: apt-get install openjdk-17-jdk-headless)';
  if (command.startsWith('python') || command === 'pip') return 'install Python 3 with pip';
  return 'install it and try again';
}
