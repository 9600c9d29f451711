import {
  NoSuchNamespaceError,
  NoSuchTableError,
  NoSuchViewError,
  UnsupportedOperationError,
} from './errors.ts';
import { createCatalogApi, unwrap, type CatalogApi, type TransportOptions } from './transport.ts';
import { SchemeFileIO } from './fileIO.ts';
import type {
  CatalogConfig,
  LoadTableResult,
  LoadViewResult,
  Namespace,
  PartitionSpec,
  Schema,
  SortOrder,
  TableCommit,
  TableIdentifier,
  ViewRequirement,
  ViewUpdate,
  ViewVersion,
} from './types.ts';

export type IcebergCatalogOptions = TransportOptions & { warehouse?: string };

export interface CreateTableSpec {
  name: string;
  schema: Schema;
  partitionSpec?: PartitionSpec;
  sortOrder?: SortOrder;
  properties?: Record<string, string>;
  location?: string;
}

/** Multi-level namespaces travel in paths as levels joined by the unit separator (0x1F). */
function ns(namespace: Namespace): string {
  return namespace.join('\x1f');
}

/**
 * A typed client for an Iceberg REST catalog. Reads `/v1/config` first (warehouse, prefix, and
 * defaults/overrides merged as the spec says: defaults < client properties < overrides).
 */
export class IcebergCatalogClient {
  private readonly api: CatalogApi;
  private configured: {
    prefix: string;
    properties: Record<string, string>;
    endpoints: string[] | null;
  } | null = null;

  constructor(private readonly options: IcebergCatalogOptions) {
    this.api = createCatalogApi(options).api;
  }

  /** The merged catalog configuration (loaded once). */
  async config(
    clientProperties: Record<string, string> = {},
  ): Promise<{ prefix: string; properties: Record<string, string>; endpoints: string[] | null }> {
    if (this.configured) return this.configured;
    const data: CatalogConfig = unwrap(
      await this.api.GET('/v1/config', {
        params: { query: { warehouse: this.options.warehouse } },
      }),
      'load catalog config',
    );
    const properties = { ...data.defaults, ...clientProperties, ...data.overrides };
    this.configured = {
      prefix: properties.prefix ?? '',
      properties,
      endpoints: data.endpoints ?? null,
    };
    return this.configured;
  }

  /**
   * A FileIO for the warehouse's files, configured as Iceberg's own clients are: by the catalog's
   * merged properties (in S3 mode the stack's catalog answers endpoint, path style and keys as
   * /v1/config defaults; a cloud catalog answers none and the AWS SDK's chain applies).
   */
  async fileIO(): Promise<SchemeFileIO> {
    return new SchemeFileIO((await this.config()).properties);
  }

  private async prefix(): Promise<string> {
    return (await this.config()).prefix;
  }

  /** Whether the server advertises an endpoint such as 'POST /v1/{prefix}/transactions/commit'. */
  async supports(endpoint: string): Promise<boolean> {
    const endpoints = (await this.config()).endpoints;
    return endpoints === null ? true : endpoints.includes(endpoint);
  }

  // ---- namespaces

  async createNamespace(
    namespace: Namespace,
    properties: Record<string, string> = {},
  ): Promise<void> {
    unwrap(
      await this.api.POST('/v1/{prefix}/namespaces', {
        params: { path: { prefix: await this.prefix() } },
        body: { namespace, properties },
      }),
      `create namespace ${namespace.join('.')}`,
    );
  }

  /** Every namespace (under `parent`), following page tokens. */
  async listNamespaces(parent?: Namespace): Promise<Namespace[]> {
    const out: Namespace[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const data = unwrap(
        await this.api.GET('/v1/{prefix}/namespaces', {
          params: {
            path: { prefix: await this.prefix() },
            query: { parent: parent ? ns(parent) : undefined, pageToken },
          },
        }),
        'list namespaces',
      );
      out.push(...(data.namespaces ?? []));
      pageToken = data['next-page-token'] ?? undefined;
      if (!pageToken) break;
    }
    return out;
  }

  async loadNamespace(namespace: Namespace): Promise<Record<string, string>> {
    const data = unwrap(
      await this.api.GET('/v1/{prefix}/namespaces/{namespace}', {
        params: { path: { prefix: await this.prefix(), namespace: ns(namespace) } },
      }),
      `load namespace ${namespace.join('.')}`,
    );
    return data.properties ?? {};
  }

  async namespaceExists(namespace: Namespace): Promise<boolean> {
    return this.exists(() => this.loadNamespace(namespace), NoSuchNamespaceError);
  }

  async dropNamespace(namespace: Namespace): Promise<void> {
    unwrap(
      await this.api.DELETE('/v1/{prefix}/namespaces/{namespace}', {
        params: { path: { prefix: await this.prefix(), namespace: ns(namespace) } },
      }),
      `drop namespace ${namespace.join('.')}`,
    );
  }

  async updateNamespaceProperties(
    namespace: Namespace,
    updates: Record<string, string>,
    removals: string[] = [],
  ): Promise<{ updated: string[]; removed: string[] }> {
    const data = unwrap(
      await this.api.POST('/v1/{prefix}/namespaces/{namespace}/properties', {
        params: { path: { prefix: await this.prefix(), namespace: ns(namespace) } },
        body: { updates, removals },
      }),
      `update properties of namespace ${namespace.join('.')}`,
    );
    return { updated: data.updated ?? [], removed: data.removed ?? [] };
  }

  // ---- tables

  /** Creates a format-version 2 table (unless properties say otherwise). */
  async createTable(namespace: Namespace, spec: CreateTableSpec): Promise<LoadTableResult> {
    return unwrap(
      await this.api.POST('/v1/{prefix}/namespaces/{namespace}/tables', {
        params: { path: { prefix: await this.prefix(), namespace: ns(namespace) } },
        body: {
          name: spec.name,
          schema: spec.schema,
          'partition-spec': spec.partitionSpec,
          'write-order': spec.sortOrder,
          location: spec.location,
          properties: { 'format-version': '2', ...spec.properties },
        },
      }),
      `create table ${namespace.join('.')}.${spec.name}`,
    );
  }

  async loadTable(
    table: TableIdentifier,
    options: { snapshots?: 'all' | 'refs' } = {},
  ): Promise<LoadTableResult> {
    return unwrap(
      await this.api.GET('/v1/{prefix}/namespaces/{namespace}/tables/{table}', {
        params: {
          path: { prefix: await this.prefix(), namespace: ns(table.namespace), table: table.name },
          query: { snapshots: options.snapshots },
        },
      }),
      `load table ${name(table)}`,
    );
  }

  async tableExists(table: TableIdentifier): Promise<boolean> {
    return this.exists(() => this.loadTable(table), NoSuchTableError);
  }

  async listTables(namespace: Namespace): Promise<TableIdentifier[]> {
    const out: TableIdentifier[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const data = unwrap(
        await this.api.GET('/v1/{prefix}/namespaces/{namespace}/tables', {
          params: {
            path: { prefix: await this.prefix(), namespace: ns(namespace) },
            query: { pageToken },
          },
        }),
        `list tables of ${namespace.join('.')}`,
      );
      out.push(...(data.identifiers ?? []).map((i) => ({ namespace: i.namespace, name: i.name })));
      pageToken = data['next-page-token'] ?? undefined;
      if (!pageToken) break;
    }
    return out;
  }

  /** Drops a table; `purge` also deletes its data and metadata files. */
  async dropTable(table: TableIdentifier, options: { purge?: boolean } = {}): Promise<void> {
    unwrap(
      await this.api.DELETE('/v1/{prefix}/namespaces/{namespace}/tables/{table}', {
        params: {
          path: { prefix: await this.prefix(), namespace: ns(table.namespace), table: table.name },
          query: { purgeRequested: options.purge ?? false },
        },
      }),
      `drop table ${name(table)}`,
    );
  }

  async renameTable(from: TableIdentifier, to: TableIdentifier): Promise<void> {
    unwrap(
      await this.api.POST('/v1/{prefix}/tables/rename', {
        params: { path: { prefix: await this.prefix() } },
        body: { source: from, destination: to },
      }),
      `rename ${name(from)} to ${name(to)}`,
    );
  }

  /** Registers an existing metadata file as a table. */
  async registerTable(
    namespace: Namespace,
    tableName: string,
    metadataLocation: string,
  ): Promise<LoadTableResult> {
    return unwrap(
      await this.api.POST('/v1/{prefix}/namespaces/{namespace}/register', {
        params: { path: { prefix: await this.prefix(), namespace: ns(namespace) } },
        body: { name: tableName, 'metadata-location': metadataLocation, overwrite: false },
      }),
      `register table ${namespace.join('.')}.${tableName}`,
    );
  }

  /** Sends one commit; 409 → CommitFailedError, 5xx → CommitStateUnknownError; never retried. */
  async commitTable(table: TableIdentifier, commit: TableCommit): Promise<LoadTableResult> {
    const result = await this.api.POST('/v1/{prefix}/namespaces/{namespace}/tables/{table}', {
      params: {
        path: { prefix: await this.prefix(), namespace: ns(table.namespace), table: table.name },
      },
      body: { identifier: table, requirements: commit.requirements, updates: commit.updates },
    });
    return unwrap(result, `commit to ${name(table)}`, true) as LoadTableResult;
  }

  /**
   * Commits to several tables in one request. Atomic only if the server implements it so (the
   * reference server applies the table commits one by one); refused when not advertised.
   */
  async commitTransaction(
    commits: { table: TableIdentifier; commit: TableCommit }[],
  ): Promise<void> {
    if (!(await this.supports('POST /v1/{prefix}/transactions/commit'))) {
      throw new UnsupportedOperationError(
        'this catalog does not advertise multi-table transactions',
        null,
        null,
        false,
      );
    }
    unwrap(
      await this.api.POST('/v1/{prefix}/transactions/commit', {
        params: { path: { prefix: await this.prefix() } },
        body: {
          'table-changes': commits.map((c) => ({
            identifier: c.table,
            requirements: c.commit.requirements,
            updates: c.commit.updates,
          })),
        },
      }),
      `commit a transaction over ${commits.map((c) => name(c.table)).join(', ')}`,
      true,
    );
  }

  // ---- views

  async createView(
    namespace: Namespace,
    view: {
      name: string;
      schema: Schema;
      sql: string;
      dialect?: string;
      properties?: Record<string, string>;
      defaultNamespace?: Namespace;
    },
  ): Promise<LoadViewResult> {
    return unwrap(
      await this.api.POST('/v1/{prefix}/namespaces/{namespace}/views', {
        params: { path: { prefix: await this.prefix(), namespace: ns(namespace) } },
        body: {
          name: view.name,
          schema: view.schema,
          'view-version': viewVersion(
            1,
            view.schema['schema-id'] ?? 0,
            view.sql,
            view.dialect,
            view.defaultNamespace ?? namespace,
          ),
          properties: view.properties ?? {},
        },
      }),
      `create view ${namespace.join('.')}.${view.name}`,
    );
  }

  async loadView(view: TableIdentifier): Promise<LoadViewResult> {
    return unwrap(
      await this.api.GET('/v1/{prefix}/namespaces/{namespace}/views/{view}', {
        params: {
          path: { prefix: await this.prefix(), namespace: ns(view.namespace), view: view.name },
        },
      }),
      `load view ${name(view)}`,
    );
  }

  async viewExists(view: TableIdentifier): Promise<boolean> {
    return this.exists(() => this.loadView(view), NoSuchViewError);
  }

  async listViews(namespace: Namespace): Promise<TableIdentifier[]> {
    const data = unwrap(
      await this.api.GET('/v1/{prefix}/namespaces/{namespace}/views', {
        params: { path: { prefix: await this.prefix(), namespace: ns(namespace) } },
      }),
      `list views of ${namespace.join('.')}`,
    );
    return (data.identifiers ?? []).map((i) => ({ namespace: i.namespace, name: i.name }));
  }

  /** Replaces a view's SQL with a new version, guarded on the view's UUID. */
  async replaceView(
    view: TableIdentifier,
    change: {
      sql: string;
      schema: Schema;
      dialect?: string;
      properties?: Record<string, string>;
      /** Added to the version summary; a distinct entry (e.g. a change id) forces a new version. */
      summary?: Record<string, string>;
    },
  ): Promise<LoadViewResult> {
    const current = await this.loadView(view);
    const nextVersion = Math.max(...current.metadata.versions.map((v) => v['version-id'])) + 1;
    const requirements: ViewRequirement[] = [
      { type: 'assert-view-uuid', uuid: current.metadata['view-uuid'] } as ViewRequirement,
    ];
    // The server deduplicates schemas: reuse an identical one, else add it under a fresh id.
    const shape = (fields: Schema['fields']) =>
      JSON.stringify(fields.map((f) => [f.id, f.name, f.type, Boolean(f.required)]));
    const same = current.metadata.schemas.find(
      (s) => shape(s.fields) === shape(change.schema.fields),
    );
    const schemaId =
      same?.['schema-id'] ??
      Math.max(...current.metadata.schemas.map((s) => s['schema-id'] ?? 0)) + 1;
    const added = viewVersion(
      nextVersion,
      schemaId,
      change.sql,
      change.dialect,
      view.namespace,
      change.summary,
    );
    // The server also deduplicates versions: a version equal to an earlier one in everything but
    // id and time (a view replaced back to what it was) adds nothing, and "the version just added"
    // (-1) would not exist. Such a replace makes the earlier version current again.
    const sorted = (o: Record<string, string> | undefined) =>
      Object.entries(o ?? {}).sort(([a], [b]) => a.localeCompare(b));
    const definition = (v: ViewVersion) =>
      JSON.stringify([
        v['schema-id'],
        sorted(v.summary),
        v.representations,
        v['default-catalog'] ?? null,
        v['default-namespace'],
      ]);
    const earlier = same
      ? current.metadata.versions.find((v) => definition(v) === definition(added))
      : undefined;
    const updates: ViewUpdate[] = [
      ...(same
        ? []
        : [
            {
              action: 'add-schema',
              schema: { ...change.schema, 'schema-id': schemaId },
            } as ViewUpdate,
          ]),
      ...(earlier
        ? [
            {
              action: 'set-current-view-version',
              'view-version-id': earlier['version-id'],
            } as ViewUpdate,
          ]
        : [
            { action: 'add-view-version', 'view-version': added } as ViewUpdate,
            { action: 'set-current-view-version', 'view-version-id': -1 } as ViewUpdate,
          ]),
      ...(change.properties
        ? [{ action: 'set-properties', updates: change.properties } as ViewUpdate]
        : []),
    ];
    return unwrap(
      await this.api.POST('/v1/{prefix}/namespaces/{namespace}/views/{view}', {
        params: {
          path: { prefix: await this.prefix(), namespace: ns(view.namespace), view: view.name },
        },
        body: { identifier: view, requirements, updates },
      }),
      `replace view ${name(view)}`,
      true,
    );
  }

  async dropView(view: TableIdentifier): Promise<void> {
    unwrap(
      await this.api.DELETE('/v1/{prefix}/namespaces/{namespace}/views/{view}', {
        params: {
          path: { prefix: await this.prefix(), namespace: ns(view.namespace), view: view.name },
        },
      }),
      `drop view ${name(view)}`,
    );
  }

  private async exists(
    load: () => Promise<unknown>,
    notFound: new (...args: never[]) => Error,
  ): Promise<boolean> {
    try {
      await load();
      return true;
    } catch (error) {
      if (error instanceof notFound) return false;
      throw error;
    }
  }
}

function name(table: TableIdentifier): string {
  return `${table.namespace.join('.')}.${table.name}`;
}

function viewVersion(
  versionId: number,
  schemaId: number,
  sql: string,
  dialect: string | undefined,
  defaultNamespace: Namespace,
  summary: Record<string, string> = {},
): ViewVersion {
  return {
    'version-id': versionId,
    'timestamp-ms': Date.now(),
    'schema-id': schemaId,
    summary: {
      ...summary,
      operation: versionId === 1 ? 'create' : 'replace',
      'engine-name': 'lambdalake',
    },
    representations: [{ type: 'sql', sql, dialect: dialect ?? 'duckdb' }],
    'default-namespace': defaultNamespace,
  } as ViewVersion;
}
