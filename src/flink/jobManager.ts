import { rootCauseOf } from './rootCause.ts';
import type { AxiosInstance } from 'axios';
import { FlinkError, FlinkJarRunError, FlinkRestError, FlinkTimeoutError } from './errors.ts';
import { createHttp } from './http.ts';
import { plainNumbers } from './losslessJson.ts';

export interface JobOverview {
  jobId: string;
  name: string;
  state: string;
  startTimeMs: number;
  endTimeMs: number;
  durationMs: number;
}

export interface CheckpointStats {
  completed: number;
  failed: number;
  inProgress: number;
  latestCompleted: { id: number; externalPath: string | null; completedAtMs: number } | null;
  latestSavepoint: { id: number; externalPath: string | null } | null;
}

interface RawJob {
  jid: string;
  name: string;
  state: string;
  'start-time': number;
  'end-time': number;
  duration: number;
}

/** One entry of a job's exception history. */
export interface JobFailure {
  timestampMs: number;
  exceptionName: string;
  /** The innermost telling line of the stack trace (see rootCause.ts). */
  rootCause: string;
  taskName: string | null;
}

/** A jar uploaded to the JobManager; `id` is what /jars/{id}/run takes (Flink prefixes the name with a UUID). */
export interface UploadedJar {
  id: string;
  name: string;
  uploadedMs: number;
}

/**
 * A client for the JobManager REST API: jobs, exceptions, checkpoints, savepoints, stop and
 * cancel, and jars (upload, run, delete).
 */
export class JobManagerClient {
  private readonly http: AxiosInstance;

  constructor(
    readonly url: string,
    options: { requestTimeoutMs?: number } = {},
  ) {
    this.http = createHttp({ baseUrl: url, timeoutMs: options.requestTimeoutMs });
  }

  private async get<T>(path: string): Promise<T> {
    return plainNumbers((await this.http.get(path)).data) as T;
  }

  async overview(): Promise<{
    taskmanagers: number;
    'slots-total': number;
    'slots-available': number;
    'flink-version': string;
  }> {
    return this.get('/overview');
  }

  async listJobs(): Promise<JobOverview[]> {
    const data = await this.get<{ jobs: RawJob[] }>('/jobs/overview');
    return data.jobs.map(toOverview);
  }

  /** Details and state of one job; null when the JobManager does not know it. */
  async job(
    jobId: string,
  ): Promise<(JobOverview & { vertices: { name: string; status: string }[] }) | null> {
    try {
      const data = await this.get<RawJob & { vertices: { name: string; status: string }[] }>(
        `/jobs/${jobId}`,
      );
      return {
        ...toOverview(data),
        vertices: data.vertices.map((v) => ({ name: v.name, status: v.status })),
      };
    } catch (error) {
      if ((error as { status?: number }).status === 404) return null;
      throw error;
    }
  }

  /** The job's root exception (the first line of its stack trace leads), or null if it has none. */
  async rootException(jobId: string): Promise<string | null> {
    const data = await this.get<{
      exceptionHistory?: { entries?: { stacktrace?: string; exceptionName?: string }[] };
      'root-exception'?: string;
    }>(`/jobs/${jobId}/exceptions`);
    return data['root-exception'] ?? data.exceptionHistory?.entries?.[0]?.stacktrace ?? null;
  }

  /**
   * Every failure the job had (newest first, as many as the JobManager keeps): each one is a
   * restart or the final failure. An empty list means the job never failed.
   */
  async exceptionHistory(jobId: string): Promise<JobFailure[]> {
    const data = await this.get<{
      exceptionHistory?: {
        entries?: {
          exceptionName?: string;
          stacktrace?: string;
          timestamp?: number;
          taskName?: string | null;
        }[];
      };
    }>(`/jobs/${jobId}/exceptions`);
    return (data.exceptionHistory?.entries ?? []).map((e) => ({
      timestampMs: e.timestamp ?? 0,
      exceptionName: e.exceptionName ?? 'unknown',
      rootCause: rootCauseOf(e.stacktrace ?? e.exceptionName ?? ''),
      taskName: e.taskName ?? null,
    }));
  }

  async checkpoints(jobId: string): Promise<CheckpointStats> {
    const data = await this.get<{
      counts: { completed: number; failed: number; in_progress: number };
      latest: {
        completed: { id: number; external_path?: string; latest_ack_timestamp: number } | null;
        savepoint: { id: number; external_path?: string } | null;
      };
    }>(`/jobs/${jobId}/checkpoints`);
    const completed = data.latest.completed;
    return {
      completed: data.counts.completed,
      failed: data.counts.failed,
      inProgress: data.counts.in_progress,
      latestCompleted: completed
        ? {
            id: completed.id,
            externalPath: completed.external_path ?? null,
            completedAtMs: completed.latest_ack_timestamp,
          }
        : null,
      latestSavepoint: data.latest.savepoint
        ? {
            id: data.latest.savepoint.id,
            externalPath: data.latest.savepoint.external_path ?? null,
          }
        : null,
    };
  }

  /** Stop-with-savepoint: the job drains its sources (optionally), writes a savepoint, then finishes. Returns the savepoint path. */
  async stopWithSavepoint(
    jobId: string,
    options: { targetDirectory?: string; drain?: boolean; timeoutMs?: number } = {},
  ): Promise<string> {
    const { data } = await this.http.post<{ 'request-id': string }>(`/jobs/${jobId}/stop`, {
      drain: options.drain ?? false,
      ...(options.targetDirectory ? { targetDirectory: options.targetDirectory } : {}),
    });
    return this.awaitSavepoint(jobId, String(data['request-id']), options.timeoutMs ?? 120_000);
  }

  /** Triggers a savepoint and keeps the job running; returns the savepoint path. */
  async triggerSavepoint(
    jobId: string,
    options: { targetDirectory?: string; timeoutMs?: number } = {},
  ): Promise<string> {
    const { data } = await this.http.post<{ 'request-id': string }>(`/jobs/${jobId}/savepoints`, {
      'cancel-job': false,
      ...(options.targetDirectory ? { 'target-directory': options.targetDirectory } : {}),
    });
    return this.awaitSavepoint(jobId, String(data['request-id']), options.timeoutMs ?? 120_000);
  }

  private async awaitSavepoint(
    jobId: string,
    triggerId: string,
    timeoutMs: number,
  ): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const status = await this.get<{
        status: { id: string };
        operation?: {
          location?: string;
          'failure-cause'?: { 'stack-trace'?: string; class?: string };
        };
      }>(`/jobs/${jobId}/savepoints/${triggerId}`);
      if (status.status.id === 'COMPLETED') {
        if (status.operation?.location) return status.operation.location;
        const cause = status.operation?.['failure-cause'];
        throw new FlinkError(
          `savepoint of job ${jobId} failed: ${(cause?.['stack-trace'] ?? cause?.class ?? 'unknown cause').split('\n')[0]}`,
          true,
        );
      }
      await sleep(250);
    }
    throw new FlinkTimeoutError(`savepoint of job ${jobId}`, timeoutMs);
  }

  /** Uploads a job jar (multipart, as the web UI does); returns its id for runJar. */
  async uploadJar(bytes: Uint8Array, fileName: string): Promise<UploadedJar> {
    const form = new FormData();
    form.append('jarfile', new Blob([bytes], { type: 'application/java-archive' }), fileName);
    const { data } = await this.http.post<{ filename: string }>('/jars/upload', form, {
      headers: { 'content-type': 'multipart/form-data' },
    });
    const id = String(data.filename).split('/').pop()!;
    return { id, name: fileName, uploadedMs: Date.now() };
  }

  /** The jars uploaded to the JobManager (they live until it restarts or deleteJar). */
  async listJars(): Promise<UploadedJar[]> {
    const data = await this.get<{ files: { id: string; name: string; uploaded: number }[] }>(
      '/jars',
    );
    return data.files.map((f) => ({ id: f.id, name: f.name, uploadedMs: f.uploaded }));
  }

  async deleteJar(jarId: string): Promise<void> {
    await this.http.delete(`/jars/${encodeURIComponent(jarId)}`);
  }

  /**
   * Runs an uploaded jar's main() in the JobManager; returns the id of the job it submitted. The
   * call returns once main() has submitted its job (detached): wait for the job with waitForState.
   * A main() that throws becomes a FlinkJarRunError with the program's root cause and arguments.
   */
  async runJar(
    jarId: string,
    options: { entryClass: string; programArgs: readonly string[]; parallelism?: number },
  ): Promise<string> {
    try {
      const { data } = await this.http.post<{ jobid: string }>(
        `/jars/${encodeURIComponent(jarId)}/run`,
        {
          entryClass: options.entryClass,
          programArgsList: options.programArgs,
          ...(options.parallelism ? { parallelism: options.parallelism } : {}),
        },
      );
      return String(data.jobid);
    } catch (error) {
      if (!(error instanceof FlinkRestError)) throw error;
      throw new FlinkJarRunError(
        options.entryClass,
        options.programArgs,
        rootCauseOf(error.serverText),
        error.serverText,
      );
    }
  }

  /** Cancels a job and waits (bounded) until it is CANCELED or otherwise terminal. */
  async cancel(jobId: string, timeoutMs = 60_000): Promise<string> {
    await this.http.patch(`/jobs/${jobId}?mode=cancel`);
    return this.waitForState(jobId, ['CANCELED', 'FAILED', 'FINISHED'], timeoutMs);
  }

  /** Polls the job until it reaches one of `states`; throws FlinkTimeoutError after `timeoutMs`. */
  async waitForState(
    jobId: string,
    states: readonly string[],
    timeoutMs = 120_000,
  ): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = 'UNKNOWN';
    while (Date.now() < deadline) {
      last = (await this.job(jobId))?.state ?? 'UNKNOWN';
      if (states.includes(last)) return last;
      await sleep(250);
    }
    throw new FlinkTimeoutError(
      `job ${jobId} reaching ${states.join('|')} (still ${last})`,
      timeoutMs,
    );
  }
}

function toOverview(job: RawJob): JobOverview {
  return {
    jobId: job.jid,
    name: job.name,
    state: job.state,
    startTimeMs: job['start-time'],
    endTimeMs: job['end-time'],
    durationMs: job.duration,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The SET statement that makes the next job in a session resume from a savepoint or retained
 * checkpoint (Flink 2.x key; 1.x called it execution.savepoint.path).
 */
export function resumeFromSavepointStatement(path: string): string {
  return `SET 'execution.state-recovery.path' = '${path.replace(/'/g, "''")}'`;
}
