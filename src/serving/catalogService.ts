import { datasetInputSchema, duckType, type Dataset } from './datasets.ts';
import type { DatasetStore } from './datasetStore.ts';
import { icebergTypeOfDuck } from './datasetStore.ts';
import type { ServingEngine } from './engine.ts';

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
    private readonly engine: ServingEngine,
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

  /** Creates (no `id`) or replaces (`id` given, with the tag last read) a dataset. */
  async put(body: unknown, id?: string): Promise<Dataset> {
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
      if (input.union) input.union.columns.forEach((c) => duckType(c.type));
      const candidate: Dataset = {
        id: existing?.id ?? '',
        path: input.path,
        tag: existing?.tag ?? '',
        sql: input.sql,
        union: input.union,
        createdAt: existing?.createdAt ?? new Date().toISOString(),
      };
      try {
        await this.engine.apply(candidate);
      } catch (error) {
        if (existing) await this.engine.apply(existing).catch(() => undefined);
        throw new CatalogRequestError(
          400,
          `dataset ${input.path.join('.')} cannot be served: ${(error as Error).message}`,
        );
      }
      const columns = candidate.union
        ? candidate.union.columns.map((c) => ({
            name: c.name,
            icebergType: icebergTypeOfDuck(duckType(c.type)),
          }))
        : await this.describeColumns(candidate);
      const saved = await this.store.save(
        candidate,
        columns,
        id !== undefined ? input.tag : undefined,
      );
      if (saved === 'tag-mismatch') {
        if (existing) await this.engine.apply(existing);
        throw new CatalogRequestError(
          409,
          `dataset ${input.path.join('.')} changed since tag ${input.tag}: read it again`,
        );
      }
      this.datasets.set(saved.path.join('.'), saved);
      this.log(
        `catalog: ${existing ? 'replaced' : 'created'} ${saved.path.join('.')} (tag ${saved.tag})`,
      );
      return saved;
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

  /** Loads what the store holds and serves what changed: at start, then periodically. */
  async refresh(): Promise<number> {
    return this.serial(async () => {
      const stored = await this.store.list();
      const isNew = (d: Dataset) => {
        const mine = this.datasets.get(d.path.join('.'));
        return mine?.tag !== d.tag || mine.id !== d.id;
      };
      const changes = stored.filter(isNew);
      // All speed topics start catching up at once; each apply below then waits only for its own.
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
          this.datasets.set(dataset.path.join('.'), dataset);
          changed++;
        } catch (error) {
          this.log(`catalog: cannot serve ${dataset.path.join('.')}: ${(error as Error).message}`);
        }
      }
      const present = new Set(stored.map((d) => d.path.join('.')));
      for (const [key, dataset] of this.datasets) {
        if (present.has(key)) continue;
        await this.engine.drop(dataset.path);
        this.datasets.delete(key);
        changed++;
      }
      return changed;
    });
  }

  private async describeColumns(
    dataset: Dataset,
  ): Promise<{ name: string; icebergType: string }[]> {
    const connection = await this.engine.connect();
    try {
      const { columns } = await this.engine.describe(connection, dataset.sql!);
      return columns.map((c) => ({ name: c.name, icebergType: icebergTypeOfDuck(c.type) }));
    } finally {
      connection.closeSync();
    }
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
