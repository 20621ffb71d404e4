import type { Logger } from 'pino';
import { deadline } from '../../deadline.ts';
import type { GenerationJob, GenerationOutcome } from '../provider.ts';
import { type AttemptVerdict, runAttempts } from './attempts.ts';
import { cancelled, FAILURE_MESSAGES, failure } from './failures.ts';
import type { ResolvedQueueAdapterOptions } from './options.ts';
import { checkSources } from './sources.ts';

export interface GuardedJobSpec {
  /** The upstream's name, for log lines. */
  readonly upstream: string;
  readonly log: Logger;
  /** How many source images the route takes. */
  readonly maxSources: number;
  /** The throughput guard's bucket. */
  readonly guardKey: string;
}

/**
 * What every job-queue adapter does around its attempts: refuse sources the upstream would
 * refuse, wait for the throughput guard, then run attempts (with backoff between them) under
 * the job's deadline. `attempt` gets the job's signal joined with that deadline; when it
 * aborts, the outcome is `cancelled` if the job was abandoned, else a timeout.
 */
export async function runGuardedJob(
  job: GenerationJob,
  cfg: ResolvedQueueAdapterOptions,
  spec: GuardedJobSpec,
  attempt: (
    n: number,
    signal: AbortSignal,
    interrupted: () => GenerationOutcome,
  ) => Promise<AttemptVerdict>,
): Promise<GenerationOutcome> {
  if (job.signal.aborted) return cancelled();
  const sourceProblem = checkSources(job.sources, spec.maxSources);
  if (sourceProblem) return failure('invalid_input', sourceProblem);

  const admitted = await cfg.guard.acquire(spec.guardKey, job.signal);
  if (job.signal.aborted) return cancelled();
  if (!admitted.ok) {
    spec.log.warn(
      { retryAfter: admitted.retryAfter },
      `${spec.upstream} throughput guard full; job refused`,
    );
    return failure('rate_limited', FAILURE_MESSAGES.rateLimited, admitted.retryAfter);
  }

  const limit = deadline(job.signal, cfg.requestTimeoutMs);
  const interrupted = (): GenerationOutcome => {
    if (job.signal.aborted) return cancelled();
    spec.log.warn({ timeoutMs: cfg.requestTimeoutMs }, `${spec.upstream} did not finish in time`);
    return failure('timeout', FAILURE_MESSAGES.timeout);
  };
  try {
    return await runAttempts(
      (n) => attempt(n, limit.signal, interrupted),
      cfg,
      limit.signal,
      interrupted,
    );
  } finally {
    limit.dispose();
  }
}
