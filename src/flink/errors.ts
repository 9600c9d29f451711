/** Base of every error this client raises; `retriable` says whether trying again may help. */
export class FlinkError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Nothing answered at the URL (refused, reset, DNS): the service is down or the URL is wrong. */
export class FlinkUnreachableError extends FlinkError {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`Flink is unreachable at ${url}: ${reason}`, true);
  }
}

/** A REST call answered with an error status; `serverText` is the body Flink sent. */
export class FlinkRestError extends FlinkError {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly serverText: string,
    rootCause: string,
  ) {
    super(`${method} ${url} answered ${status}: ${rootCause}`, status >= 500 && status !== 500);
  }
}

/** A SQL statement failed; the message leads with Flink's root cause, the statement and full server text are kept. */
export class FlinkStatementError extends FlinkError {
  constructor(
    readonly rootCause: string,
    readonly statement: string,
    readonly operationHandle: string | null,
    readonly serverText: string,
  ) {
    super(`${rootCause}\n  in statement: ${abbreviate(statement)}`, false);
  }
}

/** A jar's main() failed when the JobManager ran it (/jars/{id}/run); keeps what was submitted. */
export class FlinkJarRunError extends FlinkError {
  constructor(
    readonly entryClass: string,
    readonly programArgs: readonly string[],
    readonly rootCause: string,
    readonly serverText: string,
  ) {
    super(`${rootCause}\n  running ${entryClass} ${abbreviate(programArgs.join(' '))}`, false);
  }
}

/** A wait ran out of time (statement results, job states, savepoints). */
export class FlinkTimeoutError extends FlinkError {
  constructor(what: string, timeoutMs: number) {
    super(`${what} did not complete within ${timeoutMs} ms`, true);
  }
}

function abbreviate(statement: string): string {
  const flat = statement.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}
