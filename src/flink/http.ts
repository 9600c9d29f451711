import axios, { AxiosError, type AxiosInstance } from 'axios';
import { FlinkRestError, FlinkUnreachableError } from './errors.ts';
import { parseLossless } from './losslessJson.ts';
import { rootCauseOf } from './rootCause.ts';

export interface HttpOptions {
  baseUrl: string;
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** An axios instance that parses bodies losslessly and turns failures into Flink errors. */
export function createHttp(options: HttpOptions): AxiosInstance {
  const http = axios.create({
    baseURL: options.baseUrl.replace(/\/$/, ''),
    timeout: options.timeoutMs ?? 30_000,
    headers: { 'content-type': 'application/json', ...options.headers },
    responseType: 'text',
    transformResponse: [
      (data: unknown) => (typeof data === 'string' && data.length > 0 ? parseLossless(data) : data),
    ],
  });
  http.interceptors.response.use(undefined, (error: unknown) =>
    Promise.reject(toFlinkError(error, options.baseUrl)),
  );
  return http;
}

function toFlinkError(error: unknown, baseUrl: string): Error {
  if (!(error instanceof AxiosError))
    return error instanceof Error ? error : new Error(String(error));
  const url = `${error.config?.baseURL ?? baseUrl}${error.config?.url ?? ''}`;
  if (!error.response) {
    const reason =
      error.code === 'ECONNABORTED'
        ? `no answer within ${error.config?.timeout} ms`
        : (error.code ?? error.message);
    return new FlinkUnreachableError(url, reason);
  }
  const body = error.response.data;
  const text =
    typeof body === 'string'
      ? body
      : JSON.stringify(body, (_k, v: unknown) =>
          v && typeof v === 'object' && 'text' in v && Object.keys(v).length === 1
            ? Number((v as { text: string }).text)
            : v,
        );
  return new FlinkRestError(
    (error.config?.method ?? 'GET').toUpperCase(),
    url,
    error.response.status,
    text,
    rootCauseOf(text),
  );
}
