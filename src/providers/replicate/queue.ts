import { parseRetryAfterMs } from '../kit/backoff.ts';
import { type ExchangeResult, exchange } from '../kit/exchange.ts';
import { inBackground } from '../kit/options.ts';
import { pollUntil, unlessAborted } from '../kit/poll.ts';
import type { ReplicateInput } from './input.ts';
import type { ResolvedReplicateOptions } from './options.ts';
import {
  isTerminal,
  type PredictionView,
  parsePrediction,
  parseProblem,
  type ReplicateProblem,
  throttleWaitMs,
} from './wire.ts';

/** How one prediction (create, then polls until terminal) ended. */
export type PredictionResult =
  | { readonly type: 'prediction'; readonly prediction: PredictionView }
  | { readonly type: 'error'; readonly problem: ReplicateProblem; readonly retryAfterMs?: number }
  /** The job's signal aborted or its time ran out; the prediction is (being) cancelled. */
  | { readonly type: 'interrupted' }
  | {
      readonly type: 'failed';
      /** True only when nothing can have been created. */
      readonly retryable: boolean;
      readonly detail: string;
      readonly predictionId?: string;
    };

export interface PredictionContext {
  readonly cfg: ResolvedReplicateOptions;
  /** The job's signal joined with its deadline. */
  readonly signal: AbortSignal;
  readonly log: ResolvedReplicateOptions['log'];
}

const MAX_POLL_FAILURES = 5;

/**
 * Creates a prediction with `Prefer: wait` and follows it (`urls.get`) until it is terminal.
 * The create call is not tied to the job's signal: when the job is abandoned meanwhile, the job
 * returns at once and the prediction is cancelled as soon as its reply names it.
 */
export async function runPrediction(
  modelName: string,
  input: ReplicateInput,
  ctx: PredictionContext,
): Promise<PredictionResult> {
  const { cfg } = ctx;
  const auth = { authorization: `Bearer ${cfg.apiToken}`, accept: 'application/json' };
  const headers: Record<string, string> = {
    ...auth,
    // A prediction never outlives the job: Replicate aborts or cancels it at the same deadline.
    'cancel-after': `${Math.max(1, Math.ceil(cfg.requestTimeoutMs / 1000))}s`,
    ...(cfg.preferWaitSeconds > 0 ? { prefer: `wait=${cfg.preferWaitSeconds}` } : {}),
  };
  const create = exchange(cfg.http, {
    method: 'POST',
    url: `${cfg.baseUrl}/models/${modelName}/predictions`,
    headers,
    body: { input },
    timeoutMs: cfg.callTimeoutMs + cfg.preferWaitSeconds * 1000,
    signal: new AbortController().signal,
  });
  const raced = await unlessAborted(create, ctx.signal, (work) =>
    inBackground(
      cfg,
      work.then((reply) => cancelCreated(reply, cfg, ctx.log)),
    ),
  );
  if (!raced.done) return { type: 'interrupted' };
  const created = raced.value;
  if (created.type === 'network') {
    return { type: 'failed', retryable: !created.sent, detail: created.detail };
  }
  if (created.type !== 'reply') {
    return { type: 'failed', retryable: false, detail: 'no answer to the create in time' };
  }
  if (created.status < 200 || created.status > 299) {
    const problem = parseProblem(created.status, created.text);
    const header = parseRetryAfterMs(created.header('retry-after') ?? null, cfg.now());
    const retryAfterMs = created.status === 429 ? throttleWaitMs(header, problem.detail) : header;
    return { type: 'error', problem, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  const first = parsePrediction(created.text);
  if (!first) return { type: 'failed', retryable: false, detail: 'create reply not understood' };
  const log = ctx.log.child({ predictionId: first.id });
  if (isTerminal(first.status)) return { type: 'prediction', prediction: first };
  if (ctx.signal.aborted) {
    await cancel(first, cfg, log);
    return { type: 'interrupted' };
  }
  log.debug({ status: first.status }, 'Replicate prediction not done yet; polling');

  const getUrl =
    first.getUrl ?? created.header('location') ?? `${cfg.baseUrl}/predictions/${first.id}`;
  const done = await pollUntil<PredictionView | ReplicateProblem>({
    intervalMs: cfg.pollIntervalMs,
    sleep: cfg.sleep,
    signal: ctx.signal,
    maxConsecutiveFailures: MAX_POLL_FAILURES,
    check: async () => {
      const reply = await exchange(cfg.http, {
        method: 'GET',
        url: getUrl,
        headers: auth,
        timeoutMs: cfg.callTimeoutMs,
        signal: ctx.signal,
      });
      if (reply.type !== 'reply') return { type: 'transient', detail: `poll: ${reply.type}` };
      if (reply.status === 429 || reply.status >= 500) {
        return { type: 'transient', detail: `poll: HTTP ${reply.status}` };
      }
      if (reply.status < 200 || reply.status > 299) {
        return { type: 'done', value: parseProblem(reply.status, reply.text) };
      }
      const p = parsePrediction(reply.text);
      if (!p) return { type: 'transient', detail: 'poll reply not understood' };
      return isTerminal(p.status) ? { type: 'done', value: p } : { type: 'pending' };
    },
  });
  if (done.type !== 'done') {
    await cancel(first, cfg, log);
    if (done.type === 'interrupted') return { type: 'interrupted' };
    return { type: 'failed', retryable: false, detail: done.detail, predictionId: first.id };
  }
  if ('fields' in done.value) {
    return {
      type: 'failed',
      retryable: false,
      detail: `poll: HTTP ${done.value.status}`,
      predictionId: first.id,
    };
  }
  return { type: 'prediction', prediction: done.value };
}

/** A create that answered after its job was abandoned: cancel what it started. */
async function cancelCreated(
  reply: ExchangeResult,
  cfg: ResolvedReplicateOptions,
  log: PredictionContext['log'],
): Promise<void> {
  if (reply.type !== 'reply' || reply.status < 200 || reply.status > 299) return;
  const prediction = parsePrediction(reply.text);
  if (prediction && !isTerminal(prediction.status)) {
    await cancel(prediction, cfg, log.child({ predictionId: prediction.id }));
  }
}

/** `POST urls.cancel`; the documented path when the object has no cancel URL. */
async function cancel(
  prediction: PredictionView,
  cfg: ResolvedReplicateOptions,
  log: PredictionContext['log'],
): Promise<void> {
  const url =
    prediction.cancelUrl ??
    (prediction.getUrl
      ? `${prediction.getUrl}/cancel`
      : `${cfg.baseUrl}/predictions/${prediction.id}/cancel`);
  const reply = await exchange(cfg.http, {
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${cfg.apiToken}`, accept: 'application/json' },
    timeoutMs: cfg.callTimeoutMs,
    signal: new AbortController().signal,
  });
  if (reply.type === 'reply' && reply.status >= 200 && reply.status <= 299) {
    log.info('Replicate prediction cancelled');
  } else {
    log.warn(
      { reply: reply.type === 'reply' ? `HTTP ${reply.status}` : reply.type },
      'Replicate prediction could not be cancelled',
    );
  }
}
