import { z } from 'zod';
import { parseJson } from '../kit/exchange.ts';

const Prediction = z
  .object({
    id: z.string().min(1),
    status: z.string(),
    output: z.unknown().optional(),
    error: z.unknown().optional(),
    data_removed: z.boolean().optional(),
    urls: z
      .object({ get: z.string().optional(), cancel: z.string().optional() })
      .loose()
      .optional(),
  })
  .loose();

/** A prediction object (§4.1) by what goodtake needs of it. */
export interface PredictionView {
  readonly id: string;
  readonly status:
    | 'starting'
    | 'processing'
    | 'succeeded'
    | 'failed'
    | 'canceled'
    | 'aborted'
    | 'unknown';
  /** The first output URL, when there is one. */
  readonly outputUrl?: string;
  readonly error?: string;
  readonly dataRemoved: boolean;
  readonly getUrl?: string;
  readonly cancelUrl?: string;
}

const STATUSES = ['starting', 'processing', 'succeeded', 'failed', 'canceled', 'aborted'] as const;

export function parsePrediction(text: string): PredictionView | undefined {
  const parsed = Prediction.safeParse(parseJson(text));
  if (!parsed.success) return undefined;
  const p = parsed.data;
  const status = (STATUSES as readonly string[]).includes(p.status)
    ? (p.status as PredictionView['status'])
    : 'unknown';
  // Seedream's output is an array of URIs; a single URI string is read the same way.
  const output = Array.isArray(p.output) ? p.output[0] : p.output;
  const error =
    typeof p.error === 'string' ? p.error : p.error == null ? undefined : JSON.stringify(p.error);
  return {
    id: p.id,
    status,
    ...(typeof output === 'string' && output !== '' ? { outputUrl: output } : {}),
    ...(error ? { error } : {}),
    dataRemoved: p.data_removed === true,
    ...(p.urls?.get ? { getUrl: p.urls.get } : {}),
    ...(p.urls?.cancel ? { cancelUrl: p.urls.cancel } : {}),
  };
}

/** True once a prediction can change no more. */
export function isTerminal(status: PredictionView['status']): boolean {
  return status !== 'starting' && status !== 'processing' && status !== 'unknown';
}

const Problem = z
  .object({
    title: z.string().optional(),
    detail: z.string().optional(),
    status: z.number().optional(),
    invalid_fields: z
      .array(
        z
          .object({
            type: z.string().optional(),
            field: z.string().optional(),
            description: z.string().optional(),
          })
          .loose(),
      )
      .optional(),
  })
  .loose();

/** An error reply: problem JSON (`title`/`detail`/`status`, `invalid_fields` on 422; UNCERTAIN §4.1). */
export interface ReplicateProblem {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  /** `invalid_fields[].field`, as sent (for example `input.size`). */
  readonly fields: readonly string[];
}

export function parseProblem(status: number, text: string): ReplicateProblem {
  const parsed = Problem.safeParse(parseJson(text));
  if (!parsed.success) return { status, title: '', detail: text.slice(0, 300), fields: [] };
  return {
    status,
    title: parsed.data.title ?? '',
    detail: parsed.data.detail ?? '',
    fields: (parsed.data.invalid_fields ?? []).flatMap((f) => (f.field ? [f.field] : [])),
  };
}

/**
 * The wait a 429 asks for: `Retry-After` when sent (UNCERTAIN whether it is), else the hint in
 * the body ("Your rate limit resets in ~30s.").
 */
export function throttleWaitMs(header: number | undefined, detail: string): number | undefined {
  if (header !== undefined) return header;
  const m = /resets in ~?\s*(\d+(?:\.\d+)?)\s*s/i.exec(detail);
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}
