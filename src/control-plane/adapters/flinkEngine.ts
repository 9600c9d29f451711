import { ControlPlaneError } from '../errors.ts';
import {
  JobManagerClient,
  resumeFromSavepointStatement,
  splitScript,
  SqlGatewayClient,
} from '../../flink/index.ts';
import type { JobView, SqlEngine } from '../protocol/ports.ts';

/** The protocol's SqlEngine over the Flink SQL Gateway and JobManager clients. */
export class FlinkEngine implements SqlEngine {
  readonly gateway: SqlGatewayClient;
  readonly jobManager: JobManagerClient;

  constructor(gatewayUrl: string, jobManagerUrl: string) {
    this.gateway = new SqlGatewayClient({ url: gatewayUrl });
    this.jobManager = new JobManagerClient(jobManagerUrl);
  }

  /** Runs the script's statements in one session; the last statement's job id is the job. */
  async submitScript(
    script: string,
    options: {
      mode: 'batch' | 'streaming';
      jobName: string;
      config?: Record<string, string>;
      restoreFrom?: string;
    },
  ): Promise<{ jobId: string }> {
    const executionConfig = {
      'execution.runtime-mode': options.mode,
      'pipeline.name': options.jobName,
      'table.local-time-zone': 'UTC',
      ...options.config,
    };
    return this.gateway.withSession(
      async (session) => {
        const statements = splitScript(script);
        if (options.restoreFrom)
          await this.gateway.executeStatement(
            session,
            resumeFromSavepointStatement(options.restoreFrom),
          );
        let jobId: string | null = null;
        for (const statement of statements) {
          const result = await this.gateway.executeStatement(session, statement.sql, {
            executionConfig,
          });
          jobId = result.jobId ?? jobId;
        }
        if (!jobId)
          throw new ControlPlaneError(
            'job-failed',
            `script for ${options.jobName} submitted no job`,
            false,
          );
        return { jobId };
      },
      { name: options.jobName },
    );
  }

  async job(jobId: string): Promise<JobView | null> {
    // /jobs/overview comes from the dispatcher; /jobs/<id> is served from a cache refreshed only
    // every few seconds, which alone added ~2.5 s to every batch cycle.
    const found = (await this.jobs()).find((j) => j.jobId === jobId);
    if (found) return found;
    const job = await this.jobManager.job(jobId);
    return job
      ? {
          jobId: job.jobId,
          name: job.name,
          state: job.state,
          startTimeMs: job.startTimeMs,
          durationMs: job.durationMs,
        }
      : null;
  }

  async jobs(): Promise<JobView[]> {
    return (await this.jobManager.listJobs()).map((j) => ({
      jobId: j.jobId,
      name: j.name,
      state: j.state,
      startTimeMs: j.startTimeMs,
      durationMs: j.durationMs,
    }));
  }

  async rootException(jobId: string): Promise<string | null> {
    return this.jobManager.rootException(jobId).catch(() => null);
  }

  async failures(jobId: string): Promise<{ timestampMs: number; rootCause: string }[]> {
    return (await this.jobManager.exceptionHistory(jobId)).map((f) => ({
      timestampMs: f.timestampMs,
      rootCause: f.rootCause,
    }));
  }

  /** Where the Flink web UI shows a job's exceptions. */
  exceptionsUrl(jobId: string): string {
    return `${this.jobManager.url}/#/job/running/${jobId}/exceptions`;
  }

  async latestCompletedCheckpointId(jobId: string): Promise<number | null> {
    return (await this.jobManager.checkpoints(jobId)).latestCompleted?.id ?? null;
  }

  /** The newest retained checkpoint (or savepoint) of a finished job, to restore a restarted one. */
  async latestRetainedState(jobId: string): Promise<string | null> {
    try {
      return newestRetainedPath(await this.jobManager.checkpoints(jobId));
    } catch {
      return null;
    }
  }

  async cancel(jobId: string): Promise<void> {
    await this.jobManager.cancel(jobId);
  }
}

/**
 * Flink reports the latest periodic checkpoint and the latest savepoint apart; ids count both in
 * one sequence. A job stopped with a savepoint (a definition change whose deploy was killed before
 * the new job started) must resume from that savepoint, not from the older checkpoint before it:
 * that would read the records in between again.
 */
export function newestRetainedPath(stats: {
  latestCompleted: { id: number; externalPath: string | null } | null;
  latestSavepoint: { id: number; externalPath: string | null } | null;
}): string | null {
  const candidates = [stats.latestCompleted, stats.latestSavepoint].filter(
    (c): c is { id: number; externalPath: string } => c !== null && c.externalPath !== null,
  );
  candidates.sort((a, b) => b.id - a.id);
  return candidates[0]?.externalPath ?? null;
}
