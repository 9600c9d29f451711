import { createHash, randomUUID } from 'node:crypto';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { Kafka, logLevel, type Consumer, type EachBatchPayload } from 'kafkajs';
import { parse } from 'lossless-json';
import { duckType } from './datasets.ts';

const INTERNAL_SCHEMA = '__lambdalake';

interface SpeedTopic {
  table: string;
  columns: { name: string; type: string }[];
  consumer: Consumer;
  /** partition → next offset to read, as consumed so far. */
  position: Map<number, bigint>;
  applied: number;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The speed side: each speed topic (upsert-kafka, JSON) consumed from the beginning into a DuckDB
 * table holding the latest value per Kafka key; a tombstone deletes its key. Nothing is committed to
 * Kafka: a restarted server rebuilds every table from the compacted topic.
 */
export class SpeedState {
  private connection!: DuckDBConnection;
  private readonly topics = new Map<string, SpeedTopic>();
  private readonly kafka: Kafka;
  /** Serializes writes on the one speed connection (kafkajs runs partitions concurrently). */
  private writes: Promise<unknown> = Promise.resolve();

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

  async attach(instance: DuckDBInstance): Promise<void> {
    this.connection = await instance.connect();
  }

  /** The internal table for a topic, consuming it from the beginning and caught up to its log end now. */
  async ensure(
    topic: string,
    columns: { name: string; type: string }[],
    grainColumn: string,
    catchUpMs = 30_000,
  ): Promise<string> {
    let state = this.topics.get(topic);
    if (!state) {
      const table = `${INTERNAL_SCHEMA}.${quoteIdent(`speed_${createHash('sha256').update(topic).digest('hex').slice(0, 12)}`)}`;
      const typed = columns.map((c) => `${quoteIdent(c.name)} ${duckType(c.type)}`).join(', ');
      await this.serial(() =>
        this.connection.run(
          `CREATE TABLE IF NOT EXISTS ${table} (lambdalake_key VARCHAR PRIMARY KEY, ${typed})`,
        ),
      );
      const consumer = this.kafka.consumer({
        groupId: `lambdalake-serving-${randomUUID()}`,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: 100,
      });
      state = { table, columns, consumer, position: new Map(), applied: 0 };
      this.topics.set(topic, state);
      const s = state;
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: (payload) => this.applyBatch(s, payload),
      });
      this.log(`speed: consuming ${topic} into ${table}`);
    }
    await this.waitCaughtUp(topic, catchUpMs);
    void grainColumn;
    return state.table;
  }

  /** Waits (bounded) until everything in the topic at call time has been applied. */
  async waitCaughtUp(topic: string, timeoutMs: number): Promise<boolean> {
    const state = this.topics.get(topic);
    if (!state) return false;
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

  /** Drops rows the batch side now answers (grain < cutover); called only after the view switched. */
  async evictBelow(topic: string, grainColumn: string, cutover: Date): Promise<void> {
    const state = this.topics.get(topic);
    if (!state) return;
    await this.serial(() =>
      this.connection.run(
        `DELETE FROM ${state.table} WHERE ${quoteIdent(grainColumn)} < TIMESTAMP '${cutover.toISOString().replace('T', ' ').replace('Z', '')}'`,
      ),
    );
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
    // Latest value per key within the batch: one delete and at most one insert per key.
    const latest = new Map<string, Buffer | null>();
    for (const message of batch.messages) {
      if (!message.key) continue;
      latest.set(message.key.toString('utf8'), message.value);
    }
    await this.serial(async () => {
      await this.connection.run('BEGIN TRANSACTION');
      try {
        const remove = await this.connection.prepare(
          `DELETE FROM ${state.table} WHERE lambdalake_key = $1`,
        );
        const placeholders = state.columns
          .map((c, i) => `CAST($${i + 2} AS ${duckType(c.type)})`)
          .join(', ');
        const insert = await this.connection.prepare(
          `INSERT INTO ${state.table} VALUES ($1, ${placeholders})`,
        );
        for (const [key, value] of latest) {
          remove.bindVarchar(1, key);
          await remove.run();
          if (value === null) continue;
          const row = parse(value.toString('utf8'), null, (n) => n) as Record<string, unknown>;
          insert.bindVarchar(1, key);
          state.columns.forEach((c, i) => {
            const v = row[c.name];
            if (v === null || v === undefined) insert.bindNull(i + 2);
            else insert.bindVarchar(i + 2, String(v));
          });
          await insert.run();
        }
        remove.destroySync();
        insert.destroySync();
        await this.connection.run('COMMIT');
      } catch (error) {
        await this.connection.run('ROLLBACK').catch(() => undefined);
        this.log(`speed: batch of ${batch.topic} not applied: ${(error as Error).message}`);
        throw error; // kafkajs retries the batch
      }
    });
    state.applied += batch.messages.length;
    state.position.set(batch.partition, BigInt(batch.lastOffset()) + 1n);
    await heartbeat();
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writes.then(work, work);
    this.writes = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.topics.values()].map((s) => s.consumer.disconnect().catch(() => undefined)),
    );
    this.connection?.closeSync();
  }
}
