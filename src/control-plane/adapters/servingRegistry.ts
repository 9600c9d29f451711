import axios, { AxiosError, type AxiosInstance } from 'axios';
import type {
  DerivedViewRegistry,
  RegistrationResponse,
  ServingRegistry,
  UnionViewRegistration,
} from '../protocol/ports.ts';
import { ControlPlaneError } from '../errors.ts';

const SWITCH_TIMEOUT_MS = 180_000;

/**
 * Registers union views in the serving endpoint over its Dremio-style catalog API (never by
 * importing it): GET by path, then PUT the dataset by id with its version tag, or POST a new one.
 */
export class HttpServingRegistry implements ServingRegistry, DerivedViewRegistry {
  private readonly http: AxiosInstance;

  constructor(
    readonly url: string,
    token: string,
  ) {
    this.http = axios.create({
      baseURL: url.replace(/\/$/, ''),
      timeout: 15_000,
      headers: { authorization: `Bearer ${token}` },
    });
  }

  async registerUnionView(view: UnionViewRegistration): Promise<RegistrationResponse> {
    const body = {
      entityType: 'dataset',
      type: 'VIRTUAL_DATASET',
      path: view.path,
      union: view.union,
    };
    try {
      const existing = await this.http.get<{ id: string; tag: string }>(
        `/api/v3/catalog/by-path/${view.path.map(encodeURIComponent).join('/')}`,
        { validateStatus: (s) => s === 200 || s === 404 },
      );
      // A switch waits in serving until the speed side has caught up and the batch side is loaded
      // into PostgreSQL (COPY of the whole publication): minutes for large views, not seconds.
      const switching = { timeout: SWITCH_TIMEOUT_MS };
      const answer =
        existing.status === 200
          ? await this.http.put<{ drift?: unknown }>(
              `/api/v3/catalog/${existing.data.id}`,
              { ...body, id: existing.data.id, tag: existing.data.tag },
              switching,
            )
          : await this.http.post<{ drift?: unknown }>('/api/v3/catalog', body, switching);
      return { drift: answer.data.drift ?? null };
    } catch (error) {
      throw registryError(`registering union view ${view.path.join('.')}`, this.url, error);
    }
  }

  async servedView(path: string[]): Promise<UnionViewRegistration['union'] | null> {
    try {
      const found = await this.http.get<{ union?: UnionViewRegistration['union'] }>(
        `/api/v3/catalog/by-path/${path.map(encodeURIComponent).join('/')}`,
        { validateStatus: (s) => s === 200 || s === 404 },
      );
      return found.status === 200 ? (found.data.union ?? null) : null;
    } catch (error) {
      throw registryError(`reading view ${path.join('.')}`, this.url, error);
    }
  }

  async servedSql(path: string[]): Promise<string | null> {
    try {
      const found = await this.http.get<{ sql?: string }>(
        `/api/v3/catalog/by-path/${path.map(encodeURIComponent).join('/')}`,
        { validateStatus: (s) => s === 200 || s === 404 },
      );
      return found.status === 200 ? (found.data.sql ?? null) : null;
    } catch (error) {
      throw registryError(`reading view ${path.join('.')}`, this.url, error);
    }
  }

  async registerSqlView(path: string[], sql: string): Promise<void> {
    const body = { entityType: 'dataset', type: 'VIRTUAL_DATASET', path, sql };
    try {
      const existing = await this.http.get<{ id: string; tag: string }>(
        `/api/v3/catalog/by-path/${path.map(encodeURIComponent).join('/')}`,
        { validateStatus: (s) => s === 200 || s === 404 },
      );
      if (existing.status === 200)
        await this.http.put(`/api/v3/catalog/${existing.data.id}`, {
          ...body,
          id: existing.data.id,
          tag: existing.data.tag,
        });
      else await this.http.post('/api/v3/catalog', body);
    } catch (error) {
      throw registryError(`registering view ${path.join('.')}`, this.url, error);
    }
  }

  async removeView(path: string[]): Promise<void> {
    try {
      const existing = await this.http.get<{ id: string }>(
        `/api/v3/catalog/by-path/${path.map(encodeURIComponent).join('/')}`,
        { validateStatus: (s) => s === 200 || s === 404 },
      );
      if (existing.status === 404) return;
      await this.http.delete(`/api/v3/catalog/${existing.data.id}`, {
        validateStatus: (s) => (s >= 200 && s < 300) || s === 404,
      });
    } catch (error) {
      throw registryError(`removing view ${path.join('.')}`, this.url, error);
    }
  }
}

function registryError(what: string, url: string, error: unknown): ControlPlaneError {
  const detail =
    error instanceof AxiosError
      ? error.response
        ? `${error.response.status} ${JSON.stringify(error.response.data)}`
        : (error.code ?? error.message)
      : String(error);
  // Retriable: what the catalog holds stands; running the command again resumes here.
  return new ControlPlaneError('serving-unavailable', `${what} at ${url} failed: ${detail}`, true, {
    cause: error,
  });
}
