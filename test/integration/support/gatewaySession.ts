// A deliberately tiny SQL Gateway caller for the stack smoke tests: it proves the wiring with
// plain HTTP, independently of src/flink (which has its own tests).

export interface GatewayRows {
  columns: string[];
  rows: unknown[][];
  jobId?: string;
}

interface ResultPage {
  resultType: 'NOT_READY' | 'PAYLOAD' | 'EOS';
  jobID?: string;
  results?: { columns?: { name: string }[]; data?: { kind: string; fields: unknown[] }[] };
  nextResultUri?: string;
}

export class SmokeGatewaySession {
  private constructor(
    private readonly baseUrl: string,
    private readonly handle: string,
  ) {}

  static async open(baseUrl: string): Promise<SmokeGatewaySession> {
    const body = (await post(`${baseUrl}/v3/sessions`, { sessionName: 'smoke' })) as {
      sessionHandle: string;
    };
    return new SmokeGatewaySession(baseUrl, body.sessionHandle);
  }

  /** Runs one statement and reads every page of its result (bounded by `timeoutMs`). */
  async run(
    statement: string,
    executionConfig: Record<string, string> = {},
    timeoutMs = 120_000,
  ): Promise<GatewayRows> {
    const op = (await post(`${this.baseUrl}/v3/sessions/${this.handle}/statements`, {
      statement,
      executionConfig,
    })) as {
      operationHandle: string;
    };
    const out: GatewayRows = { columns: [], rows: [] };
    let uri: string | undefined =
      `/v3/sessions/${this.handle}/operations/${op.operationHandle}/result/0?rowFormat=JSON`;
    const deadline = Date.now() + timeoutMs;
    while (uri && Date.now() < deadline) {
      const response = await fetch(`${this.baseUrl}${uri}`);
      const text = await response.text();
      if (!response.ok)
        throw new Error(`gateway ${response.status} for ${statement}: ${text.slice(0, 2000)}`);
      const page = JSON.parse(text) as ResultPage;
      if (page.jobID) out.jobId = page.jobID;
      if (page.resultType === 'NOT_READY') {
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      if (page.results?.columns?.length) out.columns = page.results.columns.map((c) => c.name);
      for (const row of page.results?.data ?? []) out.rows.push(row.fields);
      if (page.resultType === 'EOS') return out;
      uri = page.nextResultUri;
    }
    if (uri) throw new Error(`statement did not finish within ${timeoutMs} ms: ${statement}`);
    return out;
  }

  async close(): Promise<void> {
    await fetch(`${this.baseUrl}/v3/sessions/${this.handle}`, { method: 'DELETE' });
  }
}

async function post(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url} → ${response.status}: ${text.slice(0, 2000)}`);
  return JSON.parse(text);
}

/** Polls the JobManager until the job reaches one of `states`, or throws after `timeoutMs`. */
export async function waitForJobState(
  flinkRestUrl: string,
  jobId: string,
  states: string[],
  timeoutMs = 120_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = 'UNKNOWN';
  while (Date.now() < deadline) {
    const response = await fetch(`${flinkRestUrl}/jobs/${jobId}`);
    if (response.ok) {
      last = ((await response.json()) as { state: string }).state;
      if (states.includes(last)) return last;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`job ${jobId} still ${last} after ${timeoutMs} ms (wanted ${states.join('|')})`);
}
