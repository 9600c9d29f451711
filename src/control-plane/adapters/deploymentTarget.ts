import type { Admin } from 'kafkajs';
import {
  AlreadyExistsError,
  evolveSchemaCommit,
  requirement,
  type IcebergCatalogClient,
  type TableMetadata,
} from '../../iceberg/index.ts';
import type { TableSpec } from '../compiler/compile.ts';
import {
  evolvedMasterSchema,
  masterSchemaChange,
  type MasterColumn,
  type MasterSchema,
} from '../protocol/definitionChanges.ts';
import type { DesiredTopic } from '../protocol/topics.ts';
import { ensureTopics } from './kafkaTopics.ts';

/** A master table as deploy compares it: its current schema and its properties. */
export interface ObservedMaster {
  schema: MasterSchema;
  properties: Record<string, string>;
}

/**
 * The catalog namespace, tables and Kafka topics of one deployment, as deploy creates, evolves and
 * retires them. Every write is idempotent: a concurrent or rerun deploy finds the desired state.
 */
export class DeploymentTarget {
  constructor(
    private readonly catalog: IcebergCatalogClient,
    private readonly admin: Admin,
    readonly namespace: string,
  ) {}

  namespaceExists(): Promise<boolean> {
    return this.catalog.namespaceExists([this.namespace]);
  }

  /** The namespace's properties; none while it does not exist. */
  async namespaceProperties(): Promise<Record<string, string>> {
    return (await this.namespaceExists()) ? this.catalog.loadNamespace([this.namespace]) : {};
  }

  async setNamespaceProperties(updates: Record<string, string>): Promise<void> {
    await this.catalog.updateNamespaceProperties([this.namespace], updates);
  }

  async removeNamespaceProperties(keys: string[]): Promise<void> {
    await this.catalog.updateNamespaceProperties([this.namespace], {}, keys);
  }

  async createNamespace(): Promise<void> {
    await this.catalog
      .createNamespace([this.namespace], { owner: 'lambdalake' })
      .catch(ignoreAlreadyExists);
  }

  /** Names of the namespace's tables; none while it does not exist. */
  async tableNames(): Promise<string[]> {
    if (!(await this.namespaceExists())) return [];
    return (await this.catalog.listTables([this.namespace])).map((t) => t.name);
  }

  async createTable(spec: TableSpec): Promise<void> {
    await this.catalog
      .createTable([spec.namespace], {
        name: spec.name,
        schema: spec.schema,
        partitionSpec: spec.partitionSpec,
        properties: spec.properties,
      })
      .catch(ignoreAlreadyExists);
  }

  async dropTable(name: string): Promise<void> {
    await this.catalog.dropTable({ namespace: [this.namespace], name }, { purge: true });
  }

  async master(name: string): Promise<ObservedMaster> {
    const { metadata } = await this.catalog.loadTable({ namespace: [this.namespace], name });
    return { schema: currentMasterSchema(metadata), properties: metadata.properties ?? {} };
  }

  /**
   * Adds columns to a master table: one commit adding the evolved schema and making it current,
   * guarded on the schema it was computed from (a concurrent deploy's evolution loses the race and
   * its rerun finds the columns there). Idempotent: columns already present are not added again.
   */
  async evolveMaster(name: string, added: readonly MasterColumn[]): Promise<void> {
    const id = { namespace: [this.namespace], name };
    const current = currentMasterSchema((await this.catalog.loadTable(id)).metadata);
    const missing = masterSchemaChange(current, [...current.fields, ...added]).added;
    if (missing.length === 0) return;
    const evolved = evolvedMasterSchema(current, missing);
    const commit = evolveSchemaCommit(current.schemaId, {
      type: 'struct',
      'schema-id': evolved.schemaId,
      fields: evolved.fields,
    });
    commit.requirements.push(requirement.lastAssignedFieldId(current.lastColumnId));
    await this.catalog.commitTable(id, commit);
  }

  topics(): Promise<string[]> {
    return this.admin.listTopics();
  }

  async ensureTopics(topics: readonly DesiredTopic[]): Promise<void> {
    await ensureTopics(this.admin, topics);
  }

  /** Deletes a retired version's topic; one already gone is not an error. */
  async deleteTopic(topic: string): Promise<void> {
    await this.admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  }
}

/** The current schema of a master table, as definitionChanges.ts compares it. */
function currentMasterSchema(metadata: TableMetadata): MasterSchema {
  const schemaId = metadata['current-schema-id'] ?? 0;
  const schema = (metadata.schemas ?? []).find((s) => s['schema-id'] === schemaId);
  return {
    schemaId,
    lastColumnId: metadata['last-column-id'] ?? 0,
    fields: (schema?.fields ?? []).map((f) => ({
      id: f.id,
      name: f.name,
      type: typeof f.type === 'string' ? f.type : JSON.stringify(f.type),
      required: f.required,
    })),
  };
}

function ignoreAlreadyExists(error: unknown): void {
  // A concurrent deploy created it first: the desired state holds either way.
  if (error instanceof AlreadyExistsError) return;
  throw error;
}
