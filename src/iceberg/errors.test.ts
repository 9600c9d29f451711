import { expect, test } from 'vitest';
import {
  AlreadyExistsError,
  BadRequestError,
  CommitFailedError,
  CommitStateUnknownError,
  errorFromResponse,
  NoSuchNamespaceError,
  NoSuchTableError,
  ServiceUnavailableError,
  UnauthorizedError,
} from './errors.ts';

const body = (type: string, message: string) => ({ error: { type, message, code: 0 } });

test('each REST error kind maps to its typed error with the server message and type', () => {
  const e = errorFromResponse(
    404,
    body('NoSuchNamespaceException', 'Namespace does not exist: x'),
    { operation: 'load namespace x' },
  );
  expect(e).toBeInstanceOf(NoSuchNamespaceError);
  expect(e.message).toBe(
    'load namespace x: Namespace does not exist: x (NoSuchNamespaceException)',
  );
  expect(e.serverType).toBe('NoSuchNamespaceException');
  expect(
    errorFromResponse(404, body('NoSuchTableException', 't'), { operation: 'o' }),
  ).toBeInstanceOf(NoSuchTableError);
  expect(
    errorFromResponse(409, body('AlreadyExistsException', 't'), { operation: 'o' }),
  ).toBeInstanceOf(AlreadyExistsError);
  expect(
    errorFromResponse(400, body('BadRequestException', 't'), { operation: 'o' }),
  ).toBeInstanceOf(BadRequestError);
  expect(
    errorFromResponse(401, body('NotAuthorizedException', 't'), { operation: 'o' }),
  ).toBeInstanceOf(UnauthorizedError);
  expect(errorFromResponse(503, body('SlowDown', 't'), { operation: 'o' }).retriable).toBe(true);
  expect(errorFromResponse(503, body('SlowDown', 't'), { operation: 'o' })).toBeInstanceOf(
    ServiceUnavailableError,
  );
});

test('on a commit, 409 is CommitFailed and 5xx is CommitStateUnknown, neither retriable', () => {
  const failed = errorFromResponse(
    409,
    body('CommitFailedException', 'Requirement failed: branch main has changed'),
    { operation: 'commit t', onCommit: true },
  );
  expect(failed).toBeInstanceOf(CommitFailedError);
  expect(failed.retriable).toBe(false);
  const unknown = errorFromResponse(502, 'bad gateway', { operation: 'commit t', onCommit: true });
  expect(unknown).toBeInstanceOf(CommitStateUnknownError);
  expect(unknown.retriable).toBe(false);
});
