import axios, { AxiosError, type AxiosInstance } from 'axios';
import type { ServingRegistry, UnionViewRegistration } from '../orchestrator/ports.ts';

/**
 * Registers union views in the serving endpoint over its Dremio-style catalog API (never by
 * importing it): GET by path, then PUT the dataset by id with its version tag, or POST a new one.
 */
export class HttpServingRegistry implements ServingRegistry {
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

  async registerUnionView(view: UnionViewRegistration): Promise<void> {
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
      if (existing.status === 200)
        await this.http.put(`/api/v3/catalog/${existing.data.id}`, {
          ...body,
          id: existing.data.id,
          tag: existing.data.tag,
        });
      else await this.http.post('/api/v3/catalog', body);
    } catch (error) {
      const detail =
        error instanceof AxiosError
          ? error.response
            ? `${error.response.status} ${JSON.stringify(error.response.data)}`
            : (error.code ?? error.message)
          : String(error);
      // Retriable: the publication stands; running `batch` again resumes at registration.
      throw Object.assign(
        new Error(`registering union view ${view.path.join('.')} at ${this.url} failed: ${detail}`),
        { retriable: true },
      );
    }
  }
}
