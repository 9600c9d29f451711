/** Base of every error this client raises; keeps the server's own message and error type. */
export class IcebergError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly serverType: string | null,
    readonly retriable: boolean,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
export class NoSuchNamespaceError extends IcebergError {}
export class NoSuchTableError extends IcebergError {}
export class NoSuchViewError extends IcebergError {}
export class AlreadyExistsError extends IcebergError {}
export class NamespaceNotEmptyError extends IcebergError {}
/** 409 on a commit: a requirement no longer holds. Reload, rebuild, retry if it still makes sense. */
export class CommitFailedError extends IcebergError {}
/** 5xx on a commit: the commit may or may not have happened. Never retried blindly. */
export class CommitStateUnknownError extends IcebergError {}
export class UnauthorizedError extends IcebergError {}
export class ForbiddenError extends IcebergError {}
export class BadRequestError extends IcebergError {}
export class UnsupportedOperationError extends IcebergError {}
export class ServiceUnavailableError extends IcebergError {}
export class ServerError extends IcebergError {}
/** Nothing answered at the catalog URL. */
export class CatalogUnreachableError extends IcebergError {}

export interface ErrorModelBody {
  error?: { message?: string; type?: string; code?: number };
}

/**
 * Maps an error response to its typed error, as the REST spec defines the status codes.
 * `onCommit` distinguishes commit endpoints, where 409 and 5xx carry special meaning.
 */
export function errorFromResponse(
  status: number,
  body: unknown,
  context: { operation: string; onCommit?: boolean },
): IcebergError {
  const model = (body as ErrorModelBody | undefined)?.error;
  const type = model?.type ?? null;
  const message = `${context.operation}: ${model?.message ?? (typeof body === 'string' ? body : `HTTP ${status}`)}${type ? ` (${type})` : ''}`;
  if (context.onCommit && status === 409)
    return new CommitFailedError(message, status, type, false);
  if (context.onCommit && status >= 500)
    return new CommitStateUnknownError(message, status, type, false);
  if (status === 404) {
    if (type?.includes('Namespace')) return new NoSuchNamespaceError(message, status, type, false);
    if (type?.includes('View')) return new NoSuchViewError(message, status, type, false);
    return new NoSuchTableError(message, status, type, false);
  }
  if (status === 409) {
    if (type?.includes('NotEmpty')) return new NamespaceNotEmptyError(message, status, type, false);
    return new AlreadyExistsError(message, status, type, false);
  }
  if (status === 400 || status === 422) return new BadRequestError(message, status, type, false);
  if (status === 401 || status === 419) return new UnauthorizedError(message, status, type, false);
  if (status === 403) return new ForbiddenError(message, status, type, false);
  if (status === 406 || status === 501)
    return new UnsupportedOperationError(message, status, type, false);
  if (status === 503) return new ServiceUnavailableError(message, status, type, true);
  return new ServerError(message, status, type, status >= 500);
}
