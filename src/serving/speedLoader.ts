import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type EachBatchPayload } from 'kafkajs';
import pg from 'pg';
import { kafkajsSecurity, kafkaSecurityFromEnv } from '../settings/kafkaSecurity.ts';
import { quoteIdent } from './datasets.ts';
import { INTERNAL_SCHEMA } from './internalSchema.ts';
import { errorCode, type ServingStore } from './store.ts';

/** The advisory lock the active loader holds, on its own connection, for as long as it loads. */
const LOADER_LOCK = 7_204_612;
/** Channel on which a replica announces a new or released speed table. */
export const SPEED_CHANNEL = 'lambdalake_speed';

interface LoadedTable {
  name: string;
  topic: string;
  consumer: Consumer;
  /** partition → next offset to apply (what speed_offsets holds). */
  position: Map<number, bigint>;
  applied: number;
  /** When the last batch was committed (epoch ms), or null before the first. */
  lastAppliedAt: number | null;
  stopped: boolean;
}

const internal = quoteIdent(INTERNAL_SCHEMA);

/**
 * Applies each speed topic (upsert-kafka, JSON) to its PostgreSQL table: the latest value per
 * Kafka key, a tombstone deletes. Each batch of messages is one transaction holding the rows and
 * the consumed offsets, so a restarted loader resumes where the last commit ended: nothing is
 * replayed twice and nothing is lost.
 *
 * Exactly one loader among replicas is active: the one holding an advisory lock on its own
 * connection, and it writes only through that connection. If the connection drops, PostgreSQL
 * releases the lock and aborts any open transaction, so a standby taking over can never race a
 * stale writer.
 */
export class SpeedLoader {
  private leader: pg.Client | null = null;
  private readonly tables = new Map<string, LoadedTable>();
  private writes: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private again = false;
  private closed = false;

  constructor(
    private readonly store: ServingStore,
    private readonly kafka: Kafka,
    private readonly log: (message: string) => void,
    private readonly intervalMs = 1000,
  ) {}

  static kafkaFor(brokers: string[]): Kafka {
    return new Kafka({
      clientId: 'lambdalake-serving',
      brokers,
      // Plaintext locally; MSK IAM or SCRAM over TLS in the cloud (LAMBDALAKE_KAFKA_SECURITY).
      ...kafkajsSecurity(kafkaSecurityFromEnv()),
      logLevel: logLevel.NOTHING,
      retry: { retries: 1_000_000, maxRetryTime: 5_000 },
    });
  }

  get isLeader(): boolean {
    return this.leader !== null;
  }

  /** Tries to become the active loader now and then every interval; syncs tables while active. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    if (this.ticking) {
      this.again = true; // a notification during a sync: sync once more right after
      return;
    }
    this.ticking = true;
    try {
      do {
        this.again = false;
        if (!this.leader) await this.tryLead();
        if (this.leader) await this.sync();
      } while (this.again && !this.closed);
    } catch (error) {
      this.log(`loader: ${(error as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }

  private async tryLead(): Promise<void> {
    const client = new pg.Client({ connectionString: this.store.url });
    client.on('error', (error) => void this.demote(client, error.message));
    await client.connect();
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1) AS locked',
      [LOADER_LOCK],
    );
    if (!rows[0]?.locked) {
      await client.end();
      return;
    }
    client.on('end', () => void this.demote(client, 'connection ended'));
    client.on('notification', () => void this.tick());
    await client.query(`LISTEN ${SPEED_CHANNEL}`);
    this.leader = client;
    this.log('loader: active (holds the loader lock)');
  }

  private async demote(client: pg.Client, reason: string): Promise<void> {
    if (this.leader !== client) return;
    this.leader = null;
    this.log(`loader: lost the loader lock (${reason}); standing by`);
    await Promise.all([...this.tables.values()].map((t) => this.stop(t)));
  }

  /** Starts a consumer for every registered speed table and stops those no longer registered. */
  private async sync(): Promise<void> {
    const { rows } = await this.store.pool.query<{ name: string; topic: string }>(
      `SELECT name, topic FROM ${internal}.speed_tables`,
    );
    const wanted = new Map(rows.map((r) => [r.name, r.topic]));
    for (const [name, table] of this.tables) if (!wanted.has(name)) await this.stop(table);
    // Consumers start in the background, all at once: a group join takes seconds under load, and
    // neither a standby taking over nor a newly registered table waits for the others.
    for (const [name, topic] of wanted) {
      if (this.tables.has(name)) continue;
      const table = this.track(name, topic);
      void this.consume(table).catch(async (error: unknown) => {
        this.log(`loader: cannot consume ${topic} into ${name}: ${(error as Error).message}`);
        await this.stop(table); // the next sync tries again
      });
    }
  }

  private track(name: string, topic: string): LoadedTable {
    const table: LoadedTable = {
      name,
      topic,
      consumer: this.kafka.consumer({
        groupId: `lambdalake-serving-${randomUUID()}`,
        allowAutoTopicCreation: false,
        // Measured: 1,000 ms here took freshness at 1,000 events/s from p50 254 ms to 3.2 s (kafkajs
        // does not get an early answer when a message arrives). 50 ms costs CPU in idle polls across
        // many topics; one consumer for all topics would cut that.
        maxWaitTimeInMs: 50,
        maxBytesPerPartition: 4 * 1024 * 1024,
      }),
      position: new Map(),
      applied: 0,
      lastAppliedAt: null,
      stopped: false,
    };
    this.tables.set(name, table);
    return table;
  }

  private async consume(table: LoadedTable): Promise<void> {
    const stored = await this.store.pool.query<{ kafka_partition: number; next_offset: string }>(
      `SELECT kafka_partition, next_offset FROM ${internal}.speed_offsets WHERE table_name = $1`,
      [table.name],
    );
    for (const r of stored.rows) table.position.set(r.kafka_partition, BigInt(r.next_offset));
    const { consumer, topic } = table;
    await consumer.connect();
    if (table.stopped) return void (await consumer.disconnect());
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: (payload) => this.applyBatch(table, payload),
    });
    // Resume after the last committed batch. A fetch already under way may still deliver earlier
    // offsets: applyBatch skips everything below the stored position.
    for (const [partition, offset] of table.position)
      consumer.seek({ topic, partition, offset: offset.toString() });
    this.log(
      `loader: consuming ${topic} into ${table.name} from ${[...table.position].map(([p, o]) => `${p}:${o}`).join(',') || 'the beginning'}`,
    );
  }

  private async stop(table: LoadedTable): Promise<void> {
    table.stopped = true;
    if (this.tables.get(table.name) === table) this.tables.delete(table.name);
    await table.consumer.disconnect().catch(() => undefined);
  }

  private async applyBatch(
    table: LoadedTable,
    { batch, heartbeat }: EachBatchPayload,
  ): Promise<void> {
    if (table.stopped) return;
    const from = table.position.get(batch.partition) ?? 0n;
    const messages = batch.messages.filter((m) => BigInt(m.offset) >= from);
    if (messages.length === 0) return;
    // Latest value per key within the batch: each key is deleted once and inserted at most once.
    const latest = new Map<string, string | null>();
    for (const m of messages) {
      if (!m.key) continue;
      latest.set(m.key.toString('utf8'), m.value === null ? null : m.value.toString('utf8'));
    }
    const next = BigInt(batch.lastOffset()) + 1n;
    await this.write(async (client) => {
      try {
        await this.upsert(client, table, latest, batch.partition, next);
      } catch (error) {
        if (!/^22|^42804/.test(errorCode(error) ?? '')) throw error;
        // A value PostgreSQL cannot take (bad JSON, a text in a number column): apply the batch
        // row by row so the one bad row is logged and skipped instead of stopping the topic.
        await this.upsert(client, table, latest, batch.partition, next, true);
      }
    });
    table.position.set(batch.partition, next);
    table.applied += messages.length;
    table.lastAppliedAt = Date.now();
    await heartbeat();
  }

  /**
   * One transaction: delete the batch's keys, insert their latest values, store the next offset.
   * Row by row, each insert sits behind a savepoint, so a row PostgreSQL refuses is logged and
   * skipped while the rest of the batch and its offset still commit together.
   */
  private async upsert(
    client: pg.Client,
    table: LoadedTable,
    latest: Map<string, string | null>,
    partition: number,
    next: bigint,
    rowByRow = false,
  ): Promise<void> {
    const target = `${internal}.${quoteIdent(table.name)}`;
    const upserts = [...latest].filter((e): e is [string, string] => e[1] !== null);
    const insert = `INSERT INTO ${target} SELECT r.* FROM unnest($1::text[], $2::text[]) AS u(k, v),
      LATERAL jsonb_populate_record(NULL::${target}, u.v::jsonb || jsonb_build_object('lambdalake_key', u.k)) AS r`;
    await client.query('BEGIN');
    try {
      await client.query(`DELETE FROM ${target} WHERE lambdalake_key = ANY($1::text[])`, [
        [...latest.keys()],
      ]);
      if (!rowByRow && upserts.length > 0)
        await client.query(insert, [upserts.map((e) => e[0]), upserts.map((e) => e[1])]);
      if (rowByRow)
        for (const [key, value] of upserts) {
          await client.query('SAVEPOINT one_row');
          try {
            await client.query(insert, [[key], [value]]);
          } catch (error) {
            if (!/^22|^42804/.test(errorCode(error) ?? '')) throw error;
            await client.query('ROLLBACK TO SAVEPOINT one_row');
            this.log(
              `loader: ${table.topic} partition ${partition}: skipped key ${key}: ${(error as Error).message} (value ${value.slice(0, 200)})`,
            );
          }
        }
      await client.query(
        `INSERT INTO ${internal}.speed_offsets (table_name, kafka_partition, next_offset) VALUES ($1, $2, $3)
         ON CONFLICT (table_name, kafka_partition) DO UPDATE SET next_offset = EXCLUDED.next_offset`,
        [table.name, partition, next.toString()],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** Every write goes through the lock-holding connection, one transaction at a time. */
  private write(work: (client: pg.Client) => Promise<void>): Promise<void> {
    const run = this.writes.then(async () => {
      const client = this.leader;
      if (!client) throw new Error('not the active loader any more');
      await work(client);
    });
    this.writes = run.catch(() => undefined);
    return run;
  }

  /** Rows applied per table, for /health. */
  stats(): {
    leader: boolean;
    tables: {
      table: string;
      topic: string;
      applied: number;
      lastAppliedAt: number | null;
      position: Record<number, string>;
    }[];
  } {
    return {
      leader: this.isLeader,
      tables: [...this.tables.values()].map((t) => ({
        table: t.name,
        topic: t.topic,
        applied: t.applied,
        lastAppliedAt: t.lastAppliedAt,
        position: Object.fromEntries([...t.position].map(([p, o]) => [p, o.toString()])),
      })),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.tables.values()].map((t) => this.stop(t)));
    await this.writes;
    const client = this.leader;
    this.leader = null;
    await client?.end().catch(() => undefined);
  }
}
