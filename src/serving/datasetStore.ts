import { randomUUID } from 'node:crypto';
import { AlreadyExistsError, IcebergCatalogClient, NoSuchViewError } from '../iceberg/index.ts';
import type { Schema } from '../iceberg/index.ts';
import { unionSchema, unionViewSql, type Dataset } from './datasets.ts';

const DATASET_PROPERTY = 'lambdalake.dataset';

/**
 * Virtual datasets persist as Iceberg views in the catalog (namespace = path without its last part),
 * so every serving replica, and a restarted one, serves the same views. The view's SQL is readable
 * text; the exact definition (union pins included) travels in a view property.
 */
export class DatasetStore {
  constructor(private readonly catalog: IcebergCatalogClient) {}

  async list(): Promise<Dataset[]> {
    const out: Dataset[] = [];
    for (const namespace of await this.catalog.listNamespaces()) {
      for (const view of await this.catalog.listViews(namespace)) {
        const dataset = await this.load([...view.namespace, view.name]);
        if (dataset) out.push(dataset);
      }
    }
    return out;
  }

  async load(path: string[]): Promise<Dataset | null> {
    try {
      const { metadata } = await this.catalog.loadView({
        namespace: path.slice(0, -1),
        name: path.at(-1)!,
      });
      const raw = metadata.properties?.[DATASET_PROPERTY];
      if (!raw) return null; // an Iceberg view some other engine owns
      const stored = JSON.parse(raw) as { sql?: string; union?: unknown; createdAt?: string };
      return {
        id: metadata['view-uuid'],
        path,
        tag: String(metadata['current-version-id']),
        sql: stored.sql,
        union: stored.union ? unionSchema.parse(stored.union) : undefined,
        createdAt: stored.createdAt ?? '',
      };
    } catch (error) {
      if (error instanceof NoSuchViewError) return null;
      throw error;
    }
  }

  /** Creates or replaces; `expectedTag` (when given) must match the stored version (else null). */
  async save(
    definition: Omit<Dataset, 'id' | 'tag' | 'createdAt'>,
    columns: { name: string; icebergType: string }[],
    expectedTag?: string,
  ): Promise<Dataset | 'tag-mismatch'> {
    const namespace = definition.path.slice(0, -1);
    const name = definition.path.at(-1)!;
    const existing = await this.load(definition.path);
    if (expectedTag !== undefined && existing && existing.tag !== expectedTag)
      return 'tag-mismatch';
    const createdAt = existing?.createdAt || new Date().toISOString();
    const properties = {
      [DATASET_PROPERTY]: JSON.stringify({
        sql: definition.sql,
        union: definition.union,
        createdAt,
      }),
    };
    const sql = definition.union ? unionViewSql(definition.union) : definition.sql!;
    const schema: Schema = {
      type: 'struct',
      'schema-id': 0,
      fields: columns.map((c, i) => ({
        id: i + 1,
        name: c.name,
        type: c.icebergType,
        required: false,
      })),
    };
    if (!(await this.catalog.namespaceExists(namespace)))
      await this.catalog.createNamespace(namespace).catch((e: unknown) => {
        if (!(e instanceof AlreadyExistsError)) throw e;
      });
    if (existing)
      // A fresh change id makes every replace a new version, so a tag (the version id) never
      // comes back: replacing a view back to an earlier definition still changes its tag.
      await this.catalog.replaceView(
        { namespace, name },
        {
          sql,
          schema,
          dialect: 'postgresql',
          properties,
          summary: { 'lambdalake.change': randomUUID() },
        },
      );
    else
      await this.catalog.createView(namespace, {
        name,
        sql,
        schema,
        dialect: 'postgresql',
        properties,
      });
    return (await this.load(definition.path))!;
  }

  async remove(path: string[]): Promise<boolean> {
    try {
      await this.catalog.dropView({ namespace: path.slice(0, -1), name: path.at(-1)! });
      return true;
    } catch (error) {
      if (error instanceof NoSuchViewError) return false;
      throw error;
    }
  }
}
