/** What went wrong in serving, with whether trying again later can help. */
export type ServingErrorCode =
  | 'bad-request'
  | 'not-found'
  | 'conflict'
  | 'speed-not-caught-up'
  | 'unsupported-type'
  | 'batch-side-invalid';

const HTTP_STATUS: Record<ServingErrorCode, number> = {
  'bad-request': 400,
  'not-found': 404,
  conflict: 409,
  'speed-not-caught-up': 503,
  'unsupported-type': 400,
  'batch-side-invalid': 400,
};

/** The one error family of serving; the HTTP API maps `code` to a status. */
export class ServingError extends Error {
  constructor(
    readonly code: ServingErrorCode,
    message: string,
    readonly retriable = false,
  ) {
    super(message);
    this.name = 'ServingError';
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}
