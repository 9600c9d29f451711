import type { AxiosInstance } from 'axios';
import { FlinkError, FlinkRestError, FlinkStatementError, FlinkTimeoutError } from './errors.ts';
import { createHttp } from './http.ts';
import { JsonNumber, plainNumbers } from './losslessJson.ts';
import { rootCauseOf } from './rootCause.ts';
import { convertRows, type Column, type Row, type RowKind } from './rows.ts';
import { splitScript } from './scriptSplitter.ts';

export interface SqlGatewayOptions {
  /** e.g. http://127.0.0.1:18083 */
  url: string;
  /** Per-HTTP-request timeout (default 30 s). */
  requestTimeoutMs?: number;
  headers?: Record<string, string>;
}

export interface Session {
  handle: string;
  name: string;
}

export interface StatementOptions {
  /** Per-statement configuration, e.g. {'execution.runtime-mode': 'batch'}. */
  executionConfig?: Record<string, string>;
  /** How long to wait for results (default 5 min). */
  timeoutMs?: number;
}

export interface StatementResult {
  operationHandle: string;
  columns: Column[];
  rows: Row[];
  /** Set for statements that submit a job (INSERT, STATEMENT SET, queries). */
  jobId: string | null;
  resultKind: string;
}

interface ResultPage {
  resultType: 'NOT_READY' | 'PAYLOAD' | 'EOS';
  jobID?: string | JsonNumber;
  resultKind?: string;
  results?: { columns?: Column[]; data?: { kind: RowKind; fields: unknown[] }[] };
  nextResultUri?: string;
}

/** A client for Flink's SQL Gateway REST API (v2+), negotiating the newest version the server offers. */
export class SqlGatewayClient {
  private readonly http: AxiosInstance;
  private version: string | null = null;

  constructor(readonly options: SqlGatewayOptions) {
    this.http = createHttp({
      baseUrl: options.url,
      timeoutMs: options.requestTimeoutMs,
      headers: options.headers,
    });
  }

  /** The API version in use ('v4' on Flink 2.1), asked once from /api_versions. */
  async apiVersion(): Promise<string> {
    if (this.version) return this.version;
    const { data } = await this.http.get<{ versions: string[] }>('/api_versions');
    const offered = (data.versions ?? [])
      .map((v) => Number(String(v).replace(/^V/i, '')))
      .filter((n) => n >= 2);
    if (offered.length === 0)
      throw new FlinkError(
        `SQL Gateway at ${this.options.url} offers no REST API version >= v2: ${JSON.stringify(data)}`,
        false,
      );
    this.version = `v${Math.max(...offered)}`;
    return this.version;
  }

  private async path(suffix: string): Promise<string> {
    return `/${await this.apiVersion()}${suffix}`;
  }

  async info(): Promise<{ productName: string; version: string }> {
    const { data } = await this.http.get<{ productName: string; version: string }>('/v1/info');
    return data;
  }

  async openSession(
    options: { name?: string; properties?: Record<string, string> } = {},
  ): Promise<Session> {
    const name = options.name ?? 'lambdalake';
    const { data } = await this.http.post<{ sessionHandle: string }>(await this.path('/sessions'), {
      sessionName: name,
      properties: options.properties ?? {},
    });
    return { handle: data.sessionHandle, name };
  }

  async closeSession(session: Session): Promise<void> {
    await this.http
      .delete(await this.path(`/sessions/${session.handle}`))
      .catch((error: unknown) => {
        if (!(error instanceof FlinkRestError && error.status === 404)) throw error;
      });
  }

  async heartbeat(session: Session): Promise<void> {
    await this.http.post(await this.path(`/sessions/${session.handle}/heartbeat`), {});
  }

  /** DDL or USE for the session (configure-session does not accept SET; use executeStatement for that). */
  async configureSession(session: Session, statement: string, timeoutMs = 60_000): Promise<void> {
    try {
      await this.http.post(await this.path(`/sessions/${session.handle}/configure-session`), {
        statement,
        executionTimeout: timeoutMs,
      });
    } catch (error) {
      throw statementError(error, statement, null);
    }
  }

  /**
   * Opens a session, runs `work`, and always closes it; the session is kept alive by heartbeats
   * while `work` runs (the gateway drops idle sessions).
   */
  async withSession<T>(
    work: (session: Session) => Promise<T>,
    options: { name?: string; properties?: Record<string, string> } = {},
  ): Promise<T> {
    const session = await this.openSession(options);
    const beat = setInterval(() => void this.heartbeat(session).catch(() => undefined), 60_000);
    try {
      return await work(session);
    } finally {
      clearInterval(beat);
      await this.closeSession(session).catch(() => undefined);
    }
  }

  /** Submits a statement and returns its operation handle without waiting. */
  async submit(
    session: Session,
    statement: string,
    options: StatementOptions = {},
  ): Promise<string> {
    try {
      const { data } = await this.http.post<{ operationHandle: string }>(
        await this.path(`/sessions/${session.handle}/statements`),
        {
          statement,
          executionConfig: options.executionConfig ?? {},
        },
      );
      return data.operationHandle;
    } catch (error) {
      throw statementError(error, statement, null);
    }
  }

  async operationStatus(session: Session, operation: string): Promise<string> {
    const { data } = await this.http.get<{ status: string }>(
      await this.path(`/sessions/${session.handle}/operations/${operation}/status`),
    );
    return data.status;
  }

  async cancelOperation(session: Session, operation: string): Promise<void> {
    await this.http.post(
      await this.path(`/sessions/${session.handle}/operations/${operation}/cancel`),
      {},
    );
  }

  async closeOperation(session: Session, operation: string): Promise<void> {
    await this.http.delete(
      await this.path(`/sessions/${session.handle}/operations/${operation}/close`),
    );
  }

  /**
   * Result pages of an operation as an async iterator, following nextResultUri; NOT_READY pages
   * are polled with a gentle backoff (10 ms growing by half to 200 ms) until `timeoutMs`. A page
   * is found at most 200 ms after it is ready: the doubling to 1 s this replaced found a plan
   * ready at 800 ms only at 1,550 ms, most of a batch cycle's control-plane overhead.
   */
  async *resultPages(
    session: Session,
    operation: string,
    statement: string,
    timeoutMs = 300_000,
  ): AsyncGenerator<{ columns: Column[]; rows: Row[]; jobId: string | null; resultKind: string }> {
    let uri: string | undefined = await this.path(
      `/sessions/${session.handle}/operations/${operation}/result/0?rowFormat=JSON`,
    );
    const deadline = Date.now() + timeoutMs;
    let delay = FIRST_POLL_MS;
    let columns: Column[] = [];
    while (uri) {
      if (Date.now() > deadline)
        throw new FlinkTimeoutError(`results of '${statement.slice(0, 80)}'`, timeoutMs);
      let page: ResultPage;
      try {
        page = (await this.http.get<ResultPage>(uri)).data;
      } catch (error) {
        throw statementError(error, statement, operation);
      }
      if (page.resultType === 'NOT_READY') {
        await sleep(delay);
        delay = Math.min(MAX_POLL_MS, Math.ceil(delay * 1.5));
        continue;
      }
      delay = FIRST_POLL_MS;
      if (page.results?.columns?.length) columns = plainNumbers(page.results.columns) as Column[];
      const jobId = page.jobID instanceof JsonNumber ? page.jobID.text : (page.jobID ?? null);
      yield {
        columns,
        rows: convertRows(columns, page.results?.data ?? []),
        jobId,
        resultKind: page.resultKind ?? '',
      };
      if (page.resultType === 'EOS') return;
      uri = page.nextResultUri;
    }
  }

  /** Runs one statement and collects every row (for DDL, INSERT job ids and bounded queries). */
  async executeStatement(
    session: Session,
    statement: string,
    options: StatementOptions = {},
  ): Promise<StatementResult> {
    const operationHandle = await this.submit(session, statement, options);
    const result: StatementResult = {
      operationHandle,
      columns: [],
      rows: [],
      jobId: null,
      resultKind: '',
    };
    for await (const page of this.resultPages(
      session,
      operationHandle,
      statement,
      options.timeoutMs,
    )) {
      result.columns = page.columns;
      result.rows.push(...page.rows);
      result.jobId ??= page.jobId;
      result.resultKind ||= page.resultKind;
      // An INSERT answers with its job id at once; its rows are only that id, so stop there.
      if (result.jobId && !isQuery(statement)) break;
    }
    return result;
  }

  /**
   * Runs a multi-statement script in order in one session, stopping at the first error (which
   * names the statement's line in the script). Returns each statement's result.
   */
  async runScript(
    session: Session,
    script: string,
    options: StatementOptions = {},
  ): Promise<StatementResult[]> {
    const results: StatementResult[] = [];
    for (const statement of splitScript(script)) {
      try {
        results.push(await this.executeStatement(session, statement.sql, options));
      } catch (error) {
        if (error instanceof FlinkStatementError) {
          throw new FlinkStatementError(
            `${error.rootCause} (script line ${statement.line})`,
            error.statement,
            error.operationHandle,
            error.serverText,
          );
        }
        throw error;
      }
    }
    return results;
  }
}

function isQuery(statement: string): boolean {
  return /^\s*(\(|SELECT|WITH|VALUES|SHOW|DESCRIBE|DESC|EXPLAIN)\b/i.test(
    statement.replace(/^(\s*(--[^\n]*\n|\/\*[\s\S]*?\*\/))*/, ''),
  );
}

function statementError(error: unknown, statement: string, operation: string | null): Error {
  if (error instanceof FlinkRestError)
    return new FlinkStatementError(
      rootCauseOf(error.serverText),
      statement,
      operation,
      error.serverText,
    );
  return error instanceof Error ? error : new Error(String(error));
}

/** Polls of a NOT_READY result page: local HTTP round trips, cheap next to a late answer. */
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 200;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
