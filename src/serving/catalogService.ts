import { AlreadyExistsError } from '../iceberg/index.ts';
import { datasetInputSchema, type Dataset } from './datasets.ts';
import type { DatasetStore } from './datasetStore.ts';
import { ServingError } from './errors.ts';
import { icebergType, icebergTypeOfFlink, postgresType } from './pgTypes.ts';
import type { DriftReport } from './drift.ts';
import type { UnionViews } from './unionViews.ts';

export class CatalogRequestError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'CatalogRequestError';
  }
}

/**
 * The catalog of virtual datasets: validates a definition, makes the engine serve it, then persists
 * it; other replicas pick changes up by polling the store. One change at a time per server.
 */
export class CatalogService {
  private readonly datasets = new Map<string, Dataset>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: DatasetStore,
    private readonly engine: UnionViews,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  list(): Dataset[] {
    return [...this.datasets.values()].sort((a, b) =>
      a.path.join('.').localeCompare(b.path.join('.')),
    );
  }

  byId(id: string): Dataset | undefined {
    return [...this.datasets.values()].find((d) => d.id === id);
  }

  byPath(path: string[]): Dataset | undefined {
    return this.datasets.get(path.join('.'));
  }

  /**
   * Creates (no `id`) or replaces (`id` given, with the tag last read) a dataset; a union view
   * moving its cutover forward also answers the drift it measured at the switch.
   */
  async put(body: unknown, id?: string): Promise<{ dataset: Dataset; drift: DriftReport | null }> {
    return this.serial(async () => {
      const parsed = datasetInputSchema.safeParse(body);
      if (!parsed.success)
        throw new CatalogRequestError(
          400,
          parsed.error.issues
            .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
            .join('; '),
        );
      const input = parsed.data;
      const existing = this.byPath(input.path);
      if (id === undefined && existing)
        throw new CatalogRequestError(
          409,
          `a dataset exists at ${input.path.join('.')} (id ${existing.id}): PUT /api/v3/catalog/${existing.id} to replace it`,
        );
      if (id !== undefined && existing?.id !== id)
        throw new CatalogRequestError(404, `no dataset with id ${id} at ${input.path.join('.')}`);
      // Checked here first so that a stale replace never reaches the engine; the store checks
      // again against what another replica may have saved meanwhile.
      if (id !== undefined && input.tag !== undefined && input.tag !== existing?.tag)
        throw new CatalogRequestError(
          409,
          `dataset ${input.path.join('.')} changed since tag ${input.tag}: read it again`,
        );
      if (input.union) input.union.columns.forEach((c) => postgresType(c.type));
      const candidate: Dataset = {
        id: existing?.id ?? '',
        path: input.path,
        tag: existing?.tag ?? '',
        sql: input.sql,
        union: input.union,
        createdAt: existing?.createdAt ?? new Date().toISOString(),
      };
      let drift: DriftReport | null;
      try {
        drift = await this.engine.apply(candidate);
      } catch (error) {
        // A failed apply changed nothing (its switch is one transaction): the previous pair serves.
        // Not caught up yet is a state to wait out, not a bad definition: the caller retries.
        if (error instanceof ServingError && error.retriable) throw error;
        throw new CatalogRequestError(
          400,
          `dataset ${input.path.join('.')} cannot be served: ${(error as Error).message}`,
        );
      }
      const columns = candidate.union
        ? candidate.union.columns.map((c) => ({
            name: c.name,
            icebergType: icebergTypeOfFlink(c.type),
          }))
        : await this.describeColumns(candidate);
      const saved = await this.store
        .save(candidate, columns, id !== undefined ? input.tag : undefined)
        .catch(async (error: unknown) => {
          if (!(error instanceof AlreadyExistsError)) throw error;
          // The catalog refused the name (a table holds it): serve nothing under it.
          if (!existing) await this.engine.drop(input.path);
          throw new CatalogRequestError(
            409,
            `${input.path.join('.')} cannot be a dataset: ${error.message}; choose another name`,
          );
        });
      if (saved === 'tag-mismatch') {
        if (existing) await this.engine.apply(existing);
        throw new CatalogRequestError(
          409,
          `dataset ${input.path.join('.')} changed since tag ${input.tag}: read it again`,
        );
      }
      await this.engine.recordSaved(saved);
      this.datasets.set(saved.path.join('.'), saved);
      this.log(
        `catalog: ${existing ? 'replaced' : 'created'} ${saved.path.join('.')} (tag ${saved.tag})`,
      );
      return { dataset: saved, drift };
    });
  }

  async remove(id: string): Promise<void> {
    return this.serial(async () => {
      const dataset = this.byId(id);
      if (!dataset) throw new CatalogRequestError(404, `no dataset with id ${id}`);
      await this.store.remove(dataset.path);
      await this.engine.drop(dataset.path);
      this.datasets.delete(dataset.path.join('.'));
    });
  }

  /**
   * Serves what the catalog holds: at start, then periodically. PostgreSQL records what it serves
   * (shared by every replica), so a dataset another replica applied is not applied again, and an
   * empty PostgreSQL is rebuilt entirely from the catalog and the speed topics.
   */
  async refresh(): Promise<number> {
    return this.serial(async () => {
      const stored = await this.store.list();
      const applied = await this.engine.applied();
      const changes = stored
        .filter((d) => {
          const served = applied.get(d.path.join('.'));
          return served?.tag !== d.tag || served.id !== d.id;
        })
        // Union views first: an SQL dataset (a derived metric's view) reads them.
        .sort((a, b) => Number(Boolean(a.sql)) - Number(Boolean(b.sql)));
      // Every speed table is registered first, so the loader catches them all up at once.
      await Promise.all(
        changes.map((d) =>
          this.engine
            .prepare(d)
            .catch((e: unknown) =>
              this.log(`catalog: cannot consume for ${d.path.join('.')}: ${(e as Error).message}`),
            ),
        ),
      );
      let changed = 0;
      for (const dataset of changes) {
        try {
          await this.engine.apply(dataset);
          changed++;
        } catch (error) {
          this.log(`catalog: cannot serve ${dataset.path.join('.')}: ${(error as Error).message}`);
        }
      }
      const present = new Set(stored.map((d) => d.path.join('.')));
      for (const path of applied.keys()) {
        if (present.has(path)) continue;
        await this.engine.drop(path.split('.'));
        changed++;
      }
      this.datasets.clear();
      for (const d of stored) this.datasets.set(d.path.join('.'), d);
      return changed;
    });
  }

  private async describeColumns(
    dataset: Dataset,
  ): Promise<{ name: string; icebergType: string }[]> {
    const columns = await this.engine.describe(dataset.sql!);
    return columns.map((c) => ({ name: c.name, icebergType: icebergType(c.oid, c.typmod) }));
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
