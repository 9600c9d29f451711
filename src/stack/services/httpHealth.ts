import type { HealthResult } from './serviceDefinition.ts';

/** GETs a JSON endpoint with a short timeout; `accept` decides whether the body means healthy. */
export async function httpHealth(
  url: string,
  accept: (body: unknown) => HealthResult = () => ({ healthy: true, detail: 'ok' }),
): Promise<HealthResult> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) return { healthy: false, detail: `${url} answered HTTP ${response.status}` };
    return accept(await response.json());
  } catch (error) {
    const reason =
      error instanceof Error
        ? error.cause instanceof Error
          ? error.cause.message
          : error.message
        : String(error);
    return { healthy: false, detail: `${url}: ${reason}` };
  }
}

/** Healthy when `url` answers 2xx, whatever the body (e.g. MinIO's empty /minio/health/live). */
export async function httpStatusHealth(url: string): Promise<HealthResult> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.ok
      ? { healthy: true, detail: 'ok' }
      : { healthy: false, detail: `${url} answered HTTP ${response.status}` };
  } catch (error) {
    const reason =
      error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    return { healthy: false, detail: `${url}: ${reason}` };
  }
}
