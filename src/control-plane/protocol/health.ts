/**
 * Health verdicts for `status` and `status --check`: pure functions over what status observed, so
 * the rules are readable in one place and tested without services.
 *
 * Dead letters alone never make a source unhealthy: routing a bad record aside is the system
 * working (they are counted and the newest reason is shown). What does: a job that is not running,
 * is failing or restarting, or failed within RECENT_FAILURE_MS (a crash loop flips between
 * RESTARTING and RUNNING, so a single look at the state can miss it); a batch run that failed;
 * a served version other than the defined one (deploy has not finished); drift at the last publish
 * beyond a measure's declared tolerance.
 */

export type Verdict = 'healthy' | 'unhealthy';

export interface Health {
  verdict: Verdict;
  /** One line per problem, the first being the most fundamental. */
  problems: string[];
}

/** A job's newest run and its failures, as status observed them. */
export interface ObservedJob {
  jobId: string;
  state: string;
  /** Newest first: each a restart or the final failure. */
  failures: { timestampMs: number; rootCause: string }[];
  /** Where an operator reads the whole trace. */
  detailsUrl: string;
}

/** A failure this recent counts as a crash loop even when the job is RUNNING right now. */
export const RECENT_FAILURE_MS = 10 * 60_000;

const RUNNING_STATES = new Set(['RUNNING', 'CREATED', 'INITIALIZING', 'RECONCILING']);

/** Problems of one job (empty when it runs and has not failed recently). */
export function jobProblems(what: string, job: ObservedJob | null, nowMs: number): string[] {
  if (!job) return [`${what} is not running: run lambdalake deploy`];
  const newest = job.failures[0];
  const cause = newest ? `: ${newest.rootCause} (see ${job.detailsUrl})` : '';
  if (!RUNNING_STATES.has(job.state))
    return [
      `${what} ${job.jobId} is ${job.state}${cause || ` (see ${job.detailsUrl})`}; lambdalake deploy starts it again`,
    ];
  const recent = job.failures.filter((f) => nowMs - f.timestampMs < RECENT_FAILURE_MS);
  if (recent.length > 0)
    return [
      `${what} ${job.jobId} failed ${recent.length} time(s) in the last ${RECENT_FAILURE_MS / 60_000} min${cause}`,
    ];
  return [];
}

function verdictOf(problems: string[]): Health {
  return { verdict: problems.length === 0 ? 'healthy' : 'unhealthy', problems };
}

/** A source is healthy when its ingestion job runs without recent failures. */
export function sourceHealth(ingestion: ObservedJob | null, nowMs: number): Health {
  return verdictOf(jobProblems('ingestion job', ingestion, nowMs));
}

/**
 * A metric is healthy when its speed job runs, its last batch did not fail, its version is served,
 * and the drift its last publish measured is within the tolerances its measures declare.
 */
export function metricHealth(
  input: {
    speedJob: ObservedJob | null;
    lastRun: { state: string; error?: string } | null;
    version: string;
    servedVersion: string | null;
    /** Lines from driftBeyondTolerance (driftTolerance.ts); none when within tolerance. */
    driftProblems?: readonly string[];
  },
  nowMs: number,
): Health {
  const problems = jobProblems('speed job', input.speedJob, nowMs);
  if (input.lastRun?.state === 'failed')
    problems.push(`the last batch run failed: ${input.lastRun.error ?? 'no error recorded'}`);
  if (input.servedVersion !== input.version)
    problems.push(
      `version ${input.version} is defined but ${input.servedVersion ?? 'nothing'} is served: run lambdalake deploy`,
    );
  problems.push(...(input.driftProblems ?? []));
  return verdictOf(problems);
}
