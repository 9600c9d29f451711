import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CatalogRequestError, type CatalogService } from './catalogService.ts';
import type { Dataset } from './datasets.ts';
import { ServingError } from './errors.ts';
import type { ServingMetrics } from './metrics.ts';
import { typeName } from './pgTypes.ts';
import { arrowStream, jsonValue } from './resultValues.ts';
import type { SqlCredentials, SqlResult, SqlRunner } from './sqlRunner.ts';
import { errorCode } from './store.ts';

export interface HttpApiOptions {
  /** The control plane's bearer token: the only credential that changes datasets. */
  controlToken: string;
  /** The reader role: what a control-plane (Bearer) SQL request runs as. */
  reader: SqlCredentials;
  metrics: ServingMetrics;
  log?: (message: string) => void;
}

interface SqlJob {
  id: string;
  sql: string;
  state: 'RUNNING' | 'COMPLETED' | 'FAILED';
  submittedAt: string;
  endedAt?: string;
  result?: SqlResult;
  error?: { message: string; sqlState: string };
}

const MAX_JOBS = 1000;
const MAX_PAGE = 500;

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function error(
  res: ServerResponse,
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
): void {
  send(res, status, { errorMessage: message, ...extra });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new CatalogRequestError(400, 'request body over 1 MB');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text ? JSON.parse(text) : {};
  } catch (e) {
    throw new CatalogRequestError(400, `request body is not JSON: ${(e as Error).message}`);
  }
}

function datasetJson(d: Dataset): Record<string, unknown> {
  return {
    entityType: 'dataset',
    type: 'VIRTUAL_DATASET',
    id: d.id,
    path: d.path,
    tag: d.tag,
    sql: d.sql,
    union: d.union,
    createdAt: d.createdAt,
  };
}

/**
 * The HTTP API, modelled on Dremio's REST v3: the catalog of virtual datasets (changed only with the
 * control plane's token), SQL jobs with paged JSON results, and a direct query answered as Arrow IPC.
 */
export function createHttpApi(
  catalog: CatalogService,
  runner: SqlRunner,
  options: HttpApiOptions,
  health: () => unknown,
): Server {
  const jobs = new Map<string, SqlJob>();
  const log = options.log ?? (() => undefined);

  /** The control plane (Bearer), or a SQL user whose login PostgreSQL itself accepts (Basic). */
  const who = async (
    req: IncomingMessage,
  ): Promise<{ role: 'control' | 'reader'; credentials: SqlCredentials } | null> => {
    const header = req.headers.authorization ?? '';
    if (header.startsWith('Bearer ') && same(header.slice(7), options.controlToken))
      return { role: 'control', credentials: options.reader };
    if (header.startsWith('Basic ')) {
      const [user = '', ...rest] = Buffer.from(header.slice(6), 'base64')
        .toString('utf8')
        .split(':');
      const credentials = { user, password: rest.join(':') };
      if (user && (await runner.authenticate(credentials))) return { role: 'reader', credentials };
    }
    return null;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://serving');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, health());
    if (req.method === 'GET' && url.pathname === '/metrics') {
      // Unauthenticated, as Prometheus scrapes: it names datasets and counts, never rows.
      const text = await options.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': options.metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (parts[0] !== 'api' || parts[1] !== 'v3')
      return error(res, 404, `no route ${req.method} ${url.pathname}: the API is under /api/v3`);
    const caller = await who(req);
    if (!caller) {
      res.setHeader('www-authenticate', 'Basic realm="lambdalake", Bearer');
      return error(
        res,
        401,
        'authenticate with HTTP Basic (a SQL user) or Bearer (the control plane token)',
      );
    }
    const [, , resource, ...rest] = parts;

    if (resource === 'catalog') {
      if (req.method === 'GET') {
        if (rest.length === 0)
          return send(res, 200, {
            data: catalog.list().map((d) => ({
              id: d.id,
              path: d.path,
              type: 'DATASET',
              datasetType: 'VIRTUAL',
              tag: d.tag,
            })),
          });
        const found =
          rest[0] === 'by-path' ? catalog.byPath(rest.slice(1)) : catalog.byId(rest[0]!);
        return found
          ? send(res, 200, datasetJson(found))
          : error(
              res,
              404,
              `no dataset ${rest[0] === 'by-path' ? `at path ${rest.slice(1).join('.')}` : `with id ${rest[0]}`}`,
            );
      }
      if (caller.role !== 'control')
        return error(
          res,
          403,
          'datasets are changed only with the control plane token; SQL users are read-only',
        );
      if (req.method === 'POST' && rest.length === 0) {
        const { dataset, drift } = await catalog.put(await readJson(req));
        return send(res, 200, { ...datasetJson(dataset), drift });
      }
      if (req.method === 'PUT' && rest.length === 1) {
        const { dataset, drift } = await catalog.put(await readJson(req), rest[0]);
        return send(res, 200, { ...datasetJson(dataset), drift });
      }
      if (req.method === 'DELETE' && rest.length === 1) {
        await catalog.remove(rest[0]!);
        res.writeHead(204).end();
        return;
      }
      return error(res, 405, `${req.method} /api/v3/catalog/${rest.join('/')} is not supported`);
    }

    if (resource === 'sql' && req.method === 'POST') {
      const body = (await readJson(req)) as { sql?: unknown };
      if (typeof body.sql !== 'string' || !body.sql.trim())
        return error(res, 400, 'body must be {"sql": "<SELECT ...>"}');
      const job: SqlJob = {
        id: randomUUID(),
        sql: body.sql,
        state: 'RUNNING',
        submittedAt: new Date().toISOString(),
      };
      jobs.set(job.id, job);
      if (jobs.size > MAX_JOBS) jobs.delete(jobs.keys().next().value!);
      const started = performance.now();
      const took = () => (performance.now() - started) / 1000;
      runner.run(caller.credentials, body.sql).then(
        (result) => {
          options.metrics.observeQuery('sql', 'ok', took());
          Object.assign(job, { state: 'COMPLETED', result, endedAt: new Date().toISOString() });
        },
        (e: unknown) => {
          options.metrics.observeQuery('sql', 'error', took());
          Object.assign(job, {
            state: 'FAILED',
            error: { message: (e as Error).message, sqlState: errorCode(e) ?? 'XX000' },
            endedAt: new Date().toISOString(),
          });
        },
      );
      return send(res, 200, { id: job.id });
    }

    if (resource === 'job' && req.method === 'GET' && rest[0]) {
      const job = jobs.get(rest[0]);
      if (!job)
        return error(
          res,
          404,
          `no job ${rest[0]} (jobs are kept in memory, the newest ${MAX_JOBS})`,
        );
      if (rest[1] !== 'results')
        return send(res, 200, {
          jobState: job.state,
          rowCount: job.result?.rows.length ?? 0,
          errorMessage: job.error?.message,
          sqlState: job.error?.sqlState,
          startedAt: job.submittedAt,
          endedAt: job.endedAt,
        });
      if (job.state !== 'COMPLETED')
        return error(
          res,
          400,
          `job ${job.id} is ${job.state}${job.error ? `: ${job.error.message}` : ''}`,
        );
      const offset = Math.max(0, Number(url.searchParams.get('offset') ?? 0) || 0);
      const limit = Math.min(
        MAX_PAGE,
        Math.max(1, Number(url.searchParams.get('limit') ?? 100) || 100),
      );
      const { columns, rows } = job.result!;
      return send(res, 200, {
        rowCount: rows.length,
        schema: columns.map((c) => ({ name: c.name, type: { name: typeName(c.oid, c.typmod) } })),
        rows: rows
          .slice(offset, offset + limit)
          .map((r) =>
            Object.fromEntries(columns.map((c, i) => [c.name, jsonValue(c, r[i] ?? null)])),
          ),
      });
    }

    if (resource === 'query' && rest[0] === 'arrow' && req.method === 'POST') {
      const body = (await readJson(req)) as { sql?: unknown };
      if (typeof body.sql !== 'string')
        return error(res, 400, 'body must be {"sql": "<SELECT ...>"}');
      const started = performance.now();
      const result = await runner.run(caller.credentials, body.sql).catch((e: unknown) => {
        options.metrics.observeQuery('arrow', 'error', (performance.now() - started) / 1000);
        throw e;
      });
      options.metrics.observeQuery('arrow', 'ok', (performance.now() - started) / 1000);
      const bytes = arrowStream(result);
      res.writeHead(200, {
        'content-type': 'application/vnd.apache.arrow.stream',
        'content-length': bytes.byteLength,
      });
      res.end(bytes);
      return;
    }
    return error(res, 404, `no route ${req.method} ${url.pathname}`);
  };

  return createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof CatalogRequestError) return error(res, e.status, e.message);
      if (e instanceof ServingError)
        return error(res, e.httpStatus, e.message, { code: e.code, retriable: e.retriable });
      // A PostgreSQL error (SQLSTATE) is the caller's statement's problem, with the server's text.
      const sqlState = errorCode(e);
      if (sqlState && /^[0-9A-Z]{5}$/.test(sqlState) && !sqlState.startsWith('XX'))
        return error(res, 400, (e as Error).message, { sqlState });
      log(`http: ${req.method} ${req.url} failed: ${(e as Error).stack ?? String(e)}`);
      if (!res.headersSent) error(res, 500, (e as Error).message);
    });
  });
}
