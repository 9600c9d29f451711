/** Base of every error the local stack raises; `retriable` says whether running again may help. */
export class StackError extends Error {
  constructor(
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
    super(`artifact resolution failed: ${command}\n${lastLines(output, 25)}`, true);
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
      `${service} did not become healthy: ${detail}\nlast lines of ${logFile}:\n${logTail}`,
      true,
    );
  }
}

/** A required program (java, mvn, pip) is missing on this machine. */
export class MissingToolError extends StackError {
  constructor(tool: string, hint: string) {
    super(`'${tool}' was not found on PATH: ${hint}`, false);
  }
}

export function lastLines(text: string, count: number): string {
  return text.split('\n').slice(-count).join('\n');
}
