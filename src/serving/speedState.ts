import { createHash, randomUUID } from 'node:crypto';
import type { DuckDBAppender, DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { Kafka, logLevel, type Consumer, type EachBatchPayload } from 'kafkajs';
import { parse } from 'lossless-json';
import { duckType } from './datasets.ts';
import { INTERNAL_SCHEMA } from './internalSchema.ts';

interface SpeedTopic {
  topic: string;
  table: string;
  /** Rows of the batch being applied, appended in bulk (all VARCHAR), then merged into `table`. */
  staging: { schema: string; name: string };
  columns: { name: string; type: string }[];
  /** Its own connection and write queue: a topic's long catch-up never holds up another topic. */
  connection: DuckDBConnection;
  writes: Promise<unknown>;
  consumer: Consumer;
  /** partition → next offset to read, as consumed so far. */
  position: Map<number, bigint>;
  applied: number;
  /** Rows with a grain below this instant (epoch ms) were deleted; an earlier cutover needs them back. */
  evictedBelowMs: number | null;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The speed side: each speed topic (upsert-kafka, JSON) consumed from the beginning into a DuckDB
 * table holding the latest value per Kafka key; a tombstone deletes its key. Nothing is committed to
 * Kafka: a restarted server rebuilds every table from the compacted topic.
 *
 * A topic has one current table, the one new views read. A cutover moved back below rows already
 * evicted (a backfill) gets a new current table consumed from the beginning; the old one keeps
 * being filled until no view reads it and the engine releases it.
 */
export class SpeedState {
  private instance!: DuckDBInstance;
  /** topic → its current table's state. */
  private readonly topics = new Map<string, SpeedTopic>();
  /** quoted table name → state, for every table still filled (current or not). */
  private readonly tables = new Map<string, SpeedTopic>();
  private readonly starting = new Map<string, Promise<SpeedTopic>>();
  private readonly rebuilding = new Map<string, Promise<SpeedTopic>>();
  private rebuilds = 0;
  private readonly kafka: Kafka;
  private readonly changeListeners: (() => void)[] = [];

  constructor(
    brokers: string[],
    private readonly log: (message: string) => void = () => undefined,
  ) {
    this.kafka = new Kafka({
      clientId: 'lambdalake-serving',
      brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 1_000_000, maxRetryTime: 5_000 },
    });
  }

  attach(instance: DuckDBInstance): void {
    this.instance = instance;
  }

  /** Calls `listener` after every change to the rows of any speed table (applied batch, eviction). */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
  }

  /**
   * The internal table for a topic, consuming it from the beginning and caught up to its log end
   * now, holding every row whose grain is at or after `rowsFromMs`.
   */
  async ensure(
    topic: string,
    columns: { name: string; type: string }[],
    rowsFromMs: number,
    catchUpMs = 30_000,
  ): Promise<string> {
    let state = await this.start(topic, columns);
    if (state.evictedBelowMs !== null && rowsFromMs < state.evictedBelowMs) {
      let rebuilding = this.rebuilding.get(topic);
      if (!rebuilding) {
        this.log(
          `speed: ${topic} needs rows from ${new Date(rowsFromMs).toISOString()}, evicted below ${new Date(state.evictedBelowMs).toISOString()}; rebuilding`,
        );
        rebuilding = this.rebuild(state, catchUpMs).finally(() => this.rebuilding.delete(topic));
        this.rebuilding.set(topic, rebuilding);
      }
      state = await rebuilding;
    }
    await this.waitCaughtUp(state, catchUpMs);
    return state.table;
  }

  /** A new current table for the state's topic, consumed from the beginning and caught up. */
  private async rebuild(previous: SpeedTopic, catchUpMs: number): Promise<SpeedTopic> {
    const fresh = await this.open(previous.topic, previous.columns, `_r${++this.rebuilds}`);
    await this.waitCaughtUp(fresh, catchUpMs);
    this.topics.set(previous.topic, fresh);
    this.log(
      `speed: ${previous.topic} rebuilt into ${fresh.table}: a cutover moved below rows already evicted from ${previous.table}`,
    );
    return fresh;
  }

  /**
   * Starts consuming a topic without waiting for it to catch up, so that a server loading many
   * views catches all their topics up at once rather than one after another.
   */
  async start(topic: string, columns: { name: string; type: string }[]): Promise<SpeedTopic> {
    const known = this.topics.get(topic);
    if (known) return known;
    let starting = this.starting.get(topic);
    if (!starting) {
      starting = this.open(topic, columns, '')
        .then((state) => {
          this.topics.set(topic, state);
          return state;
        })
        .finally(() => this.starting.delete(topic));
      this.starting.set(topic, starting);
    }
    return starting;
  }

  private async open(
    topic: string,
    columns: { name: string; type: string }[],
    suffix: string,
  ): Promise<SpeedTopic> {
    const id = `speed_${createHash('sha256').update(topic).digest('hex').slice(0, 12)}${suffix}`;
    const table = `${INTERNAL_SCHEMA}.${quoteIdent(id)}`;
    const staging = { schema: INTERNAL_SCHEMA, name: `${id}_staging` };
    const typed = columns.map((c) => `${quoteIdent(c.name)} ${duckType(c.type)}`).join(', ');
    const text = columns.map((c) => `${quoteIdent(c.name)} VARCHAR`).join(', ');
    const connection = await this.instance.connect();
    await connection.run(`CREATE SCHEMA IF NOT EXISTS ${INTERNAL_SCHEMA}`);
    await connection.run(
      `CREATE TABLE IF NOT EXISTS ${table} (lambdalake_key VARCHAR PRIMARY KEY, ${typed})`,
    );
    await connection.run(
      `CREATE OR REPLACE TABLE ${INTERNAL_SCHEMA}.${quoteIdent(staging.name)} (lambdalake_key VARCHAR, lambdalake_deleted BOOLEAN, ${text})`,
    );
    const consumer = this.kafka.consumer({
      groupId: `lambdalake-serving-${randomUUID()}`,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: 4 * 1024 * 1024,
    });
    const state: SpeedTopic = {
      topic,
      table,
      staging,
      columns,
      connection,
      writes: Promise.resolve(),
      consumer,
      position: new Map(),
      applied: 0,
      evictedBelowMs: null,
    };
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: (payload) => this.applyBatch(state, payload),
    });
    this.tables.set(table, state);
    this.log(`speed: consuming ${topic} into ${table}`);
    return state;
  }

  /** Stops filling a table no view reads any more and frees it. */
  async release(table: string): Promise<void> {
    const state = this.tables.get(table);
    if (!state) return;
    this.tables.delete(table);
    if (this.topics.get(state.topic) === state) this.topics.delete(state.topic);
    await state.consumer.disconnect().catch(() => undefined);
    await this.serial(state, async () => {
      await state.connection.run(`DROP TABLE IF EXISTS ${state.table}`);
      await state.connection.run(
        `DROP TABLE IF EXISTS ${state.staging.schema}.${quoteIdent(state.staging.name)}`,
      );
    });
    state.connection.closeSync();
    this.log(`speed: released ${state.topic} (${table})`);
  }

  /** Waits (bounded) until everything in the topic at call time has been applied to the table. */
  private async waitCaughtUp(state: SpeedTopic, timeoutMs: number): Promise<boolean> {
    const topic = state.topic;
    // A fresh admin each time, on purpose: a kafkajs admin keeps every topic it ever looked up in
    // its metadata targets, and once the control plane deletes a retired version's topic, every
    // later call of a long-lived admin retries forever.
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const behind = ends.some((p) => BigInt(p.high) > (state.position.get(p.partition) ?? 0n));
        if (!behind) return true;
        await new Promise((r) => setTimeout(r, 50));
      }
      this.log(`speed: ${topic} not caught up after ${timeoutMs} ms; serving what has arrived`);
      return false;
    } finally {
      await admin.disconnect();
    }
  }

  /** Drops rows batch sides now answer (grain < cutover); called only after the views switched. */
  async evictBelow(table: string, grainColumn: string, cutoverMs: number): Promise<void> {
    const state = this.tables.get(table);
    if (!state) return;
    const cutover = new Date(cutoverMs).toISOString().replace('T', ' ').replace('Z', '');
    await this.serial(state, () =>
      state.connection.run(
        `DELETE FROM ${state.table} WHERE ${quoteIdent(grainColumn)} < TIMESTAMP '${cutover}'`,
      ),
    );
    state.evictedBelowMs = Math.max(state.evictedBelowMs ?? cutoverMs, cutoverMs);
    this.changed();
  }

  /** Rows held per topic, for /health and status. */
  stats(): { topic: string; applied: number; position: Record<number, string> }[] {
    return [...this.topics.entries()].map(([topic, s]) => ({
      topic,
      applied: s.applied,
      position: Object.fromEntries([...s.position.entries()].map(([p, o]) => [p, o.toString()])),
    }));
  }

  private async applyBatch(
    state: SpeedTopic,
    { batch, heartbeat }: EachBatchPayload,
  ): Promise<void> {
    // Latest value per key within the batch: each key is deleted once and inserted at most once.
    const latest = new Map<string, Buffer | null>();
    for (const message of batch.messages) {
      if (!message.key) continue;
      latest.set(message.key.toString('utf8'), message.value);
    }
    const staging = `${state.staging.schema}.${quoteIdent(state.staging.name)}`;
    const key = 'lambdalake_key';
    const casts = state.columns
      .map((c) => `CAST(${quoteIdent(c.name)} AS ${duckType(c.type)})`)
      .join(', ');
    await this.serial(state, async () => {
      const connection = state.connection;
      try {
        // The staging table only ever holds the batch in flight; a failed one leaves rows behind.
        await connection.run(`DELETE FROM ${staging}`);
        const appender = await connection.createAppender(state.staging.name, state.staging.schema);
        this.appendRows(appender, state.columns, latest);
        appender.closeSync();
        await connection.run('BEGIN TRANSACTION');
        await connection.run(
          `DELETE FROM ${state.table} WHERE ${key} IN (SELECT ${key} FROM ${staging})`,
        );
        await connection.run(
          `INSERT INTO ${state.table} SELECT ${key}, ${casts} FROM ${staging} WHERE NOT lambdalake_deleted`,
        );
        await connection.run('COMMIT');
        this.changed();
      } catch (error) {
        await connection.run('ROLLBACK').catch(() => undefined);
        this.log(`speed: batch of ${batch.topic} not applied: ${(error as Error).message}`);
        throw error; // kafkajs retries the batch
      }
    });
    state.applied += batch.messages.length;
    state.position.set(batch.partition, BigInt(batch.lastOffset()) + 1n);
    await heartbeat();
  }

  /** Rows as text, numbers kept exactly as written (lossless-json), cast to column types in SQL. */
  private appendRows(
    appender: DuckDBAppender,
    columns: { name: string }[],
    latest: Map<string, Buffer | null>,
  ): void {
    for (const [key, value] of latest) {
      appender.appendVarchar(key);
      appender.appendBoolean(value === null);
      const row =
        value === null
          ? {}
          : (parse(value.toString('utf8'), null, (n) => n) as Record<string, unknown>);
      for (const c of columns) {
        const v = row[c.name];
        if (v === null || v === undefined) appender.appendNull();
        else appender.appendVarchar(typeof v === 'object' ? JSON.stringify(v) : String(v));
      }
      appender.endRow();
    }
  }

  private serial<T>(state: SpeedTopic, work: () => Promise<T>): Promise<T> {
    const run = state.writes.then(work, work);
    state.writes = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.tables.values()].map((s) => s.consumer.disconnect().catch(() => undefined)),
    );
    for (const s of this.tables.values()) s.connection.closeSync();
  }
}
