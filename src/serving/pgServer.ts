import { randomInt } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { DuckDBDateValue, DuckDBTimestampValue } from '@duckdb/node-api';
import { createScramSha256Data, type ScramSha256Data } from 'pg-gateway';
import { fromNodeSocket } from 'pg-gateway/node';
import type { QueryColumn, ServingEngine } from './engine.ts';
import { pg, Reader, type FieldDescription } from './pgMessages.ts';
import { rewriteForCatalogCompat } from './pgCompat.ts';
import { sqlStateOf } from './sqlState.ts';
import { pgTypeOid } from './pgTypes.ts';
import { pgText } from './values.ts';

export interface PgServerOptions {
  users: Record<string, string>;
  log?: (message: string) => void;
  /** Log every statement as run (after catalog rewrites): for finding what a client tool sends. */
  logStatements?: boolean;
}

interface Prepared {
  sql: string;
  paramOids: number[];
}

interface Portal {
  sql: string;
  params: (string | null)[];
  resultFormats: number[];
  /** Rows not yet sent (Execute with a row limit suspends the portal). */
  pending?: { columns: QueryColumn[]; rows: DuckDBValue[][]; sent: number; tag: string };
}

const CANCEL_REQUEST_CODE = 80877102;
const EPOCH_2000_MICROS = 946_684_800_000_000n;
const NO_OP =
  /^\s*(BEGIN|START TRANSACTION|COMMIT|END|ROLLBACK|DISCARD|DEALLOCATE|RESET|SET\s+(extra_float_digits|application_name|client_encoding|datestyle|intervalstyle|search_path|statement_timeout|TIME ZONE|timezone|SESSION))\b/i;

/**
 * The Postgres wire endpoint: pg-gateway does startup, SSL refusal and SCRAM-SHA-256; this class
 * answers the simple and extended query protocols over DuckDB, one DuckDB connection per client,
 * and honours CancelRequest by interrupting that connection.
 */
export class PgServer {
  readonly server: Server;
  private readonly sessions = new Map<number, { secret: number; connection: DuckDBConnection }>();
  private readonly scram = new Map<string, Promise<ScramSha256Data>>();
  private readonly log: (message: string) => void;

  constructor(
    private readonly engine: ServingEngine,
    private readonly options: PgServerOptions,
  ) {
    this.log = options.log ?? (() => undefined);
    for (const [user, password] of Object.entries(options.users))
      this.scram.set(user, createScramSha256Data(password));
    this.server = createServer((socket) => {
      this.accept(socket).catch((error: unknown) => {
        this.log(`pg: connection failed: ${(error as Error).message}`);
        socket.destroy();
      });
    });
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  private async accept(socket: Socket): Promise<void> {
    const processId = randomInt(1, 2 ** 31 - 1);
    const secret = randomInt(1, 2 ** 31 - 1);
    let connection: DuckDBConnection | null = null;
    const statements = new Map<string, Prepared>();
    const portals = new Map<string, Portal>();
    let skipUntilSync = false;
    socket.on('close', () => {
      this.sessions.delete(processId);
      if (connection) this.engine.disconnect(connection);
      connection = null;
    });
    socket.on('error', () => undefined);
    // Replies are many small messages: without this, Nagle plus the client's delayed ACK adds ~40 ms.
    socket.setNoDelay(true);

    const missingUser = async (): Promise<ScramSha256Data> =>
      createScramSha256Data(`unknown-${randomInt(2 ** 31)}`);
    await fromNodeSocket(socket, {
      serverVersion: '16.0 (lambdalake serving on DuckDB)',
      auth: {
        method: 'scram-sha-256',
        // An unknown user gets random credentials, so the failure looks like a wrong password.
        getScramSha256Data: ({ username }) => this.scram.get(username) ?? missingUser(),
      },
      onAuthenticated: async () => {
        connection = await this.engine.connect();
        // Union views of the default namespace resolve unqualified; the schema may not exist yet.
        await connection.run("SET search_path = 'metrics,main'").catch(() => undefined);
        this.sessions.set(processId, { secret, connection });
        for (const [name, value] of Object.entries({
          client_encoding: 'UTF8',
          server_encoding: 'UTF8',
          DateStyle: 'ISO, MDY',
          integer_datetimes: 'on',
          standard_conforming_strings: 'on',
          TimeZone: 'UTC',
          is_superuser: 'off',
          application_name: '',
        }))
          socket.write(pg.parameterStatus(name, value));
        socket.write(pg.backendKeyData(processId, secret));
      },
      onMessage: async (data, state) => {
        if (!state.hasStarted) {
          if (data.byteLength === 16 && Buffer.from(data).readInt32BE(4) === CANCEL_REQUEST_CODE) {
            const target = this.sessions.get(Buffer.from(data).readInt32BE(8));
            if (target && target.secret === Buffer.from(data).readInt32BE(12))
              target.connection.interrupt();
            socket.end();
            return [new Uint8Array(0)];
          }
          return undefined;
        }
        if (!state.isAuthenticated || !connection) return undefined;
        const reader = new Reader(data);
        const code = reader.code;
        if (code === 'X') return undefined;
        if (code === 'S') {
          skipUntilSync = false;
          return [pg.readyForQuery()];
        }
        if (skipUntilSync) return [new Uint8Array(0)];
        try {
          // One write per reply: pg-gateway awaits a socket write per chunk, which costs more than the query.
          return [Buffer.concat(await this.handle(code, reader, connection, statements, portals))];
        } catch (error) {
          if (code !== 'Q') skipUntilSync = true; // extended protocol: discard until Sync
          const out = [
            pg.error({
              code: sqlStateOf(error),
              message: (error as Error).message.split('\n')[0]!,
              detail: (error as Error).message.includes('\n')
                ? (error as Error).message
                : undefined,
            }),
          ];
          if (code === 'Q') out.push(pg.readyForQuery());
          return out;
        }
      },
    });
  }

  /** The SQL DuckDB runs for a client's statement. */
  private runnable(sql: string): string {
    const rewritten = rewriteForCatalogCompat(sql);
    if (this.options.logStatements) this.log(`pg: ${rewritten.replace(/\s+/g, ' ').trim()}`);
    return rewritten;
  }

  private async handle(
    code: string,
    reader: Reader,
    connection: DuckDBConnection,
    statements: Map<string, Prepared>,
    portals: Map<string, Portal>,
  ): Promise<Uint8Array[]> {
    switch (code) {
      case 'Q': {
        const sql = reader.cstring();
        if (!sql.trim()) return [pg.emptyQuery(), pg.readyForQuery()];
        const out: Uint8Array[] = [];
        for (const statement of splitStatements(sql)) {
          if (NO_OP.test(statement)) {
            out.push(pg.commandComplete(statement.trim().split(/\s+/)[0]!.toUpperCase()));
            continue;
          }
          const result = await this.engine.query(connection, this.runnable(statement));
          out.push(pg.rowDescription(fields(result.columns, [])));
          for (const row of result.rows) out.push(pg.dataRow(encodeRow(row, result.columns, [])));
          out.push(pg.commandComplete(result.commandTag));
        }
        out.push(pg.readyForQuery());
        return out;
      }
      case 'P': {
        const name = reader.cstring();
        const sql = reader.cstring();
        const count = reader.int16();
        const paramOids = Array.from({ length: count }, () => reader.int32());
        statements.set(name, { sql, paramOids });
        return [pg.parseComplete()];
      }
      case 'B': {
        const portal = reader.cstring();
        const statementName = reader.cstring();
        const statement = statements.get(statementName);
        if (!statement)
          throw Object.assign(new Error(`prepared statement "${statementName}" does not exist`), {
            sqlState: '26000',
          });
        const formatCount = reader.int16();
        const formats = Array.from({ length: formatCount }, () => reader.int16());
        const paramCount = reader.int16();
        const params: (string | null)[] = [];
        for (let i = 0; i < paramCount; i++) {
          const length = reader.int32();
          if (length < 0) {
            params.push(null);
            continue;
          }
          const bytes = reader.bytes(length);
          const format = formats.length === 1 ? formats[0] : (formats[i] ?? 0);
          params.push(
            format === 1
              ? decodeBinaryParam(bytes, statement.paramOids[i] ?? 0)
              : Buffer.from(bytes).toString('utf8'),
          );
        }
        const resultCount = reader.int16();
        const resultFormats = Array.from({ length: resultCount }, () => reader.int16());
        portals.set(portal, { sql: statement.sql, params, resultFormats });
        return [pg.bindComplete()];
      }
      case 'D': {
        const kind = reader.byte();
        const name = reader.cstring();
        const sql = kind === 'S' ? statements.get(name)?.sql : portals.get(name)?.sql;
        if (sql === undefined)
          throw Object.assign(
            new Error(`${kind === 'S' ? 'prepared statement' : 'portal'} "${name}" does not exist`),
            { sqlState: kind === 'S' ? '26000' : '34000' },
          );
        if (NO_OP.test(sql) || !sql.trim())
          return kind === 'S' ? [pg.parameterDescription([]), pg.noData()] : [pg.noData()];
        const described = await this.engine.describe(connection, this.runnable(sql));
        const out: Uint8Array[] = [];
        if (kind === 'S') {
          const declared = statements.get(name)!.paramOids;
          out.push(
            pg.parameterDescription(
              Array.from({ length: described.parameterCount }, (_, i) => declared[i] || 25),
            ),
          );
        }
        out.push(
          described.columns.length > 0
            ? pg.rowDescription(
                fields(described.columns, kind === 'P' ? portals.get(name)!.resultFormats : []),
              )
            : pg.noData(),
        );
        return out;
      }
      case 'E': {
        const name = reader.cstring();
        const maxRows = reader.int32();
        const portal = portals.get(name);
        if (!portal)
          throw Object.assign(new Error(`portal "${name}" does not exist`), { sqlState: '34000' });
        if (!portal.sql.trim()) return [pg.emptyQuery()];
        if (NO_OP.test(portal.sql))
          return [pg.commandComplete(portal.sql.trim().split(/\s+/)[0]!.toUpperCase())];
        if (!portal.pending) {
          const result = await this.engine.query(
            connection,
            this.runnable(portal.sql),
            portal.params,
          );
          portal.pending = {
            columns: result.columns,
            rows: result.rows,
            sent: 0,
            tag: result.commandTag,
          };
        }
        const p = portal.pending;
        const end = maxRows > 0 ? Math.min(p.rows.length, p.sent + maxRows) : p.rows.length;
        const out = p.rows
          .slice(p.sent, end)
          .map((row) => pg.dataRow(encodeRow(row, p.columns, portal.resultFormats)));
        p.sent = end;
        out.push(end < p.rows.length ? pg.portalSuspended() : pg.commandComplete(p.tag));
        return out;
      }
      case 'C': {
        const kind = reader.byte();
        const name = reader.cstring();
        if (kind === 'S') statements.delete(name);
        else portals.delete(name);
        return [pg.closeComplete()];
      }
      case 'H':
        return [new Uint8Array(0)];
      default:
        throw Object.assign(
          new Error(`message type '${code}' is not supported by lambdalake serving`),
          { sqlState: '0A000' },
        );
    }
  }

  listen(port: number, host = '127.0.0.1'): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
  }
}

/** Binary result encodings we send; any other type is sent as text whatever the client asked. */
function binaryCapable(typeOid: number): boolean {
  return [16, 20, 21, 23, 700, 701, 1114, 1082].includes(typeOid);
}

function formatFor(index: number, typeOid: number, resultFormats: number[]): 0 | 1 {
  const asked = resultFormats.length === 1 ? resultFormats[0] : (resultFormats[index] ?? 0);
  return asked === 1 && binaryCapable(typeOid) ? 1 : 0;
}

function fields(columns: QueryColumn[], resultFormats: number[]): FieldDescription[] {
  return columns.map((c, i) => {
    const typeOid = pgTypeOid(c.type);
    return { name: c.name, typeOid, format: formatFor(i, typeOid, resultFormats) };
  });
}

function encodeRow(
  row: DuckDBValue[],
  columns: QueryColumn[],
  resultFormats: number[],
): (Uint8Array | null)[] {
  return row.map((value, i) => {
    if (value === null) return null;
    const typeOid = pgTypeOid(columns[i]!.type);
    if (formatFor(i, typeOid, resultFormats) === 1) return encodeBinary(value, typeOid);
    return Buffer.from(pgText(value) ?? '', 'utf8');
  });
}

function encodeBinary(value: DuckDBValue, typeOid: number): Uint8Array {
  const b = Buffer.alloc(
    typeOid === 16
      ? 1
      : typeOid === 21
        ? 2
        : typeOid === 23 || typeOid === 700 || typeOid === 1082
          ? 4
          : 8,
  );
  switch (typeOid) {
    case 16:
      b.writeUInt8(value ? 1 : 0);
      break;
    case 21:
      b.writeInt16BE(Number(value));
      break;
    case 23:
      b.writeInt32BE(Number(value));
      break;
    case 20:
      b.writeBigInt64BE(BigInt(value as bigint | number));
      break;
    case 700:
      b.writeFloatBE(Number(value));
      break;
    case 701:
      b.writeDoubleBE(Number(value));
      break;
    case 1114:
      b.writeBigInt64BE((value as DuckDBTimestampValue).micros - EPOCH_2000_MICROS);
      break;
    case 1082:
      b.writeInt32BE((value as DuckDBDateValue).days - 10_957);
      break;
  }
  return b;
}

function decodeBinaryParam(bytes: Uint8Array, oid: number): string {
  const b = Buffer.from(bytes);
  if (oid === 16) return b.readUInt8(0) ? 'true' : 'false';
  if (oid === 700) return String(b.readFloatBE(0));
  if (oid === 701) return String(b.readDoubleBE(0));
  if (b.length === 2) return String(b.readInt16BE(0));
  if (b.length === 4) return String(b.readInt32BE(0));
  if (b.length === 8)
    return oid === 1114
      ? new Date(Number((b.readBigInt64BE(0) + EPOCH_2000_MICROS) / 1000n)).toISOString()
      : b.readBigInt64BE(0).toString();
  return b.toString('utf8');
}

/** Splits a simple-query text on top-level semicolons (quotes and comments respected). */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    if (quote) {
      current += ch;
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
      current += '\n';
      continue;
    }
    if (ch === ';') {
      if (current.trim()) out.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim()) out.push(current);
  return out;
}
