/** What went wrong, for code that reacts to a stack error without parsing its message. */
export type StackErrorCode =
  | 'artifact_resolution_failed'
  | 'launcher_compile_failed'
  | 'missing_tool'
  | 'port_in_use'
  | 'service_start_failed'
  | 'warehouse_mode_mismatch';

/** Base of every error the local stack raises; `retriable` says whether running again may help. */
export class StackError extends Error {
  constructor(
    readonly code: StackErrorCode,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A registry client (mvn, pip) failed; carries the command and its own output. */
export class ArtifactResolutionError extends StackError {
  constructor(
    readonly command: string,
    readonly output: string,
  ) {
    super(
      'artifact_resolution_failed',
      `artifact resolution failed: ${command}\n${lastLines(output, 25)}`,
      true,
    );
  }
}

/** javac refused a launcher the stack compiles from the repository's source; carries javac's output. */
export class LauncherCompileError extends StackError {
  constructor(
    readonly command: string,
    readonly output: string,
  ) {
    super(
      'launcher_compile_failed',
      `compiling a launcher failed: ${command}\n${lastLines(output, 25)}`,
      false,
    );
  }
}

/** A service did not become healthy in time; points at its log file. */
export class ServiceStartError extends StackError {
  constructor(
    readonly service: string,
    readonly logFile: string,
    detail: string,
    logTail: string,
  ) {
    super(
      'service_start_failed',
      `${service} did not become healthy: ${detail}\nlast lines of ${logFile}:\n${logTail}`,
      true,
    );
  }
}

/** A required program (java, javac, mvn, pip) is missing on this machine. */
export class MissingToolError extends StackError {
  constructor(tool: string, hint: string) {
    super('missing_tool', `'${tool}' was not found on PATH: ${hint}`, false);
  }
}

export function lastLines(text: string, count: number): string {
  return text.split('\n').slice(-count).join('\n');
}
