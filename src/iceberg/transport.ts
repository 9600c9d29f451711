import createClient, { type Client } from 'openapi-fetch';
import { TokenProvider, type CatalogAuth } from './auth.ts';
import { CatalogUnreachableError, errorFromResponse, type IcebergError } from './errors.ts';
import type { paths } from './generated/catalog.d.ts';
import { parseJson, stringifyJson } from './losslessJson.ts';

export interface TransportOptions {
  /** Catalog base URL, without /v1 (e.g. http://127.0.0.1:18181). */
  url: string;
  auth?: CatalogAuth;
  headers?: Record<string, string>;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** Retries for idempotent reads (GET/HEAD) on 503 or no answer (default 2); writes are never retried. */
  readRetries?: number;
  fetchImpl?: typeof fetch;
}

export type CatalogApi = Client<paths>;

/**
 * The typed openapi-fetch client for the catalog, with: JSON parsed losslessly (int64 ids as
 * bigint) and serialized back exactly; auth headers (OAuth2 refreshed before expiry); per-request
 * timeouts; retries only for GET/HEAD, as the spec allows; an empty {prefix} folded away.
 */
export function createCatalogApi(options: TransportOptions): { api: CatalogApi; baseUrl: string } {
  const baseUrl = options.url.replace(/\/+$/, '');
  const baseFetch = options.fetchImpl ?? fetch;
  const tokens = new TokenProvider(
    options.auth ?? { kind: 'none' },
    `${baseUrl}/v1/oauth/tokens`,
    baseFetch,
  );
  const retries = options.readRetries ?? 2;

  const losslessFetch = async (input: Request): Promise<Response> => {
    // A catalog without a prefix serves /v1/namespaces, not /v1//namespaces.
    const url = input.url.replace('/v1//', '/v1/');
    const body = input.method === 'GET' || input.method === 'HEAD' ? undefined : await input.text();
    const headers = new Headers(input.headers);
    const authorization = await tokens.header();
    if (authorization) headers.set('authorization', authorization);
    const attempts = input.method === 'GET' || input.method === 'HEAD' ? retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await baseFetch(url, {
          method: input.method,
          headers,
          body,
          signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        });
      } catch (error) {
        if (attempt < attempts) {
          await backoff(attempt);
          continue;
        }
        const reason =
          error instanceof Error
            ? ((error.cause as Error | undefined)?.message ?? error.message)
            : String(error);
        throw new CatalogUnreachableError(
          `Iceberg catalog unreachable at ${url}: ${reason}`,
          null,
          null,
          true,
        );
      }
      if (response.status === 503 && attempt < attempts) {
        await backoff(attempt);
        continue;
      }
      const text = await response.text();
      // openapi-fetch parses a body without Content-Length (chunked: large table metadata) with
      // JSON.parse, which rounds int64 snapshot ids; with the length set it calls our json().
      const responseHeaders = new Headers(response.headers);
      responseHeaders.delete('transfer-encoding');
      responseHeaders.set('content-length', String(Buffer.byteLength(text)));
      const copy = new Response(text.length > 0 ? text : null, {
        status: response.status,
        statusText: response.statusText,
        headers: responseHeaders,
      });
      Object.defineProperty(copy, 'json', { value: async () => parseJson(text) });
      return copy;
    }
  };

  const api = createClient<paths>({
    baseUrl,
    headers: options.headers,
    fetch: losslessFetch,
    bodySerializer: stringifyJson,
  });
  return { api, baseUrl };
}

function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (attempt - 1)));
}

/** Unwraps an openapi-fetch result: the data, or the typed error for the status. */
export function unwrap<T>(
  result: { data?: T; error?: unknown; response: Response },
  operation: string,
  onCommit = false,
): T {
  if (result.response.ok) return result.data as T;
  throw errorFromResponse(result.response.status, result.error, {
    operation,
    onCommit,
  }) satisfies IcebergError;
}
