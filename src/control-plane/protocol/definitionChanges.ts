/**
 * Definition changes that the version hash does not cover (a source's topic or columns, a metric's
 * `speed.state_ttl`, a source's `watermark_delay`): what a running job was started with is recorded
 * beside it, compared with what the definitions compile to now, and turned into a restart, a master
 * schema update, or a refusal that says what to do. Pure: the adapters read and write the records.
 */
import { createHash } from 'node:crypto';

/**
 * Table property recording what the job writing to or serving from that table was started with:
 * on the master table for the ingestion job, on the version's batch table for its speed job.
 */
export const JOB_DEFINITION_PROPERTY = 'lambdalake.job-definition';

/** What a job was started with: a hash of its compiled script and config, and the readable settings behind it. */
export interface JobDefinition {
  hash: string;
  topic: string;
  /** Settings named in restart reasons: `columns` (ingestion), `state_ttl`, `watermark_delay` (speed). */
  settings: Record<string, string>;
}

/** A job definition from its compiled script, config and readable settings. */
export function jobDefinition(
  script: string,
  config: Record<string, string>,
  topic: string,
  settings: Record<string, string>,
): JobDefinition {
  const hash = createHash('sha256')
    .update(JSON.stringify({ script, config }))
    .digest('hex')
    .slice(0, 12);
  return { hash, topic, settings };
}

/** Reads a recorded job definition; null when absent or not ours (a job started before it was recorded). */
export function parseJobDefinition(text: string | undefined): JobDefinition | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<JobDefinition>;
    if (typeof value.hash !== 'string' || typeof value.topic !== 'string') return null;
    return { hash: value.hash, topic: value.topic, settings: value.settings ?? {} };
  } catch {
    return null;
  }
}

/** How a job whose definition changed is restarted. */
export interface JobRestart {
  reasons: string[];
  /**
   * Stop with a savepoint and restore it into the new job (state survives a changed TTL, watermark
   * or added column); false when the Kafka source's state names another topic's partitions, so the
   * new job starts without state (ingestion: the group's offsets on the new topic, else its earliest
   * record; speed: the served cutover − lateness, as a first start does).
   */
  fromSavepoint: boolean;
}

/** The restart that applies `desired` to a job started with `running`; null when nothing changed. */
export function jobRestart(running: JobDefinition, desired: JobDefinition): JobRestart | null {
  if (running.hash === desired.hash && running.topic === desired.topic) return null;
  const reasons: string[] = [];
  if (running.topic !== desired.topic) reasons.push(`topic ${running.topic} → ${desired.topic}`);
  for (const [key, value] of Object.entries(desired.settings)) {
    const before = running.settings[key];
    if (before !== undefined && before !== value) reasons.push(`${key} ${before} → ${value}`);
  }
  if (reasons.length === 0) reasons.push('its compiled SQL changed');
  return { reasons, fromSavepoint: running.topic === desired.topic };
}

/** A column as the master table holds it (Iceberg type text) or as a definition wants it. */
export interface MasterColumn {
  name: string;
  /** Iceberg type, e.g. `string`, `decimal(12, 2)`. */
  type: string;
}

export interface MasterField extends MasterColumn {
  id: number;
  required: boolean;
}

/** The master table's current schema as the catalog reports it. */
export interface MasterSchema {
  schemaId: number;
  lastColumnId: number;
  fields: MasterField[];
}

export interface MasterSchemaChange {
  added: MasterColumn[];
  dropped: MasterField[];
  retyped: { field: MasterField; to: string }[];
}

/** How the definition's columns differ from the master table's current schema (by name). */
export function masterSchemaChange(
  current: MasterSchema,
  desired: readonly MasterColumn[],
): MasterSchemaChange {
  const byName = new Map(current.fields.map((f) => [f.name, f]));
  const wanted = new Set(desired.map((c) => c.name));
  return {
    added: desired.filter((c) => !byName.has(c.name)),
    dropped: current.fields.filter((f) => !wanted.has(f.name)),
    retyped: desired.flatMap((c) => {
      const field = byName.get(c.name);
      return field && normalType(field.type) !== normalType(c.type) ? [{ field, to: c.type }] : [];
    }),
  };
}

function normalType(type: string): string {
  return type.replace(/\s+/g, '').toLowerCase();
}

/**
 * Why a schema change cannot be applied, one message per column, naming the definition file and
 * saying what would be accepted. Dropping or retyping would make the master disagree with the
 * history already written (and every metric version reads all of it).
 */
export function refusedSchemaChanges(
  source: string,
  file: string,
  table: string,
  change: MasterSchemaChange,
): string[] {
  return [
    ...change.dropped.map(
      (f) =>
        `${file}: column '${f.name}' of source ${source} is no longer defined, but the master table ${table} holds it: dropping a column is refused (batch recomputes read all history). Put it back in columns (metrics that do not use it are unaffected), or define a new source under another name and move the metrics to it.`,
    ),
    ...change.retyped.map(
      ({ field, to }) =>
        `${file}: column '${field.name}' of source ${source} changed type from ${field.type} to ${to}, but the master table ${table} already holds ${field.type} values: retyping a column is refused. Keep its type, or add a new column under another name with the new type (older rows read NULL) and use that in the metrics.`,
    ),
  ];
}

/**
 * The master schema after adding `added`: existing fields keep their ids (older data files are read
 * by id, so older rows read NULL for the new ones), new fields get ids after the last assigned one.
 */
export function evolvedMasterSchema(
  current: MasterSchema,
  added: readonly MasterColumn[],
): { schemaId: number; lastColumnId: number; fields: MasterField[] } {
  const fields: MasterField[] = [
    ...current.fields,
    ...added.map((c, i) => ({
      id: current.lastColumnId + 1 + i,
      name: c.name,
      type: c.type,
      required: false,
    })),
  ];
  return {
    schemaId: current.schemaId + 1,
    lastColumnId: current.lastColumnId + added.length,
    fields,
  };
}
