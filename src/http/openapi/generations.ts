import {
  type GenerationState,
  generationStateSchema,
  submitResponseSchema,
} from '../../contract/generation-status.ts';
import { ApiError, renderError } from '../errors.ts';
import {
  type DocumentPart,
  errorResponses,
  examplesOf,
  type Fragment,
  ref,
  schemaOf,
} from './kit.ts';

/** The asynchronous API: a generation's state, its events, cancelling it (src/jobs/). */

const ID = 'gen_0mx55sb450008XKDQbNYu';
const BASE = 'https://goodtake.example.com';
const LINKS = {
  status_url: `${BASE}/api/v1/generations/${ID}`,
  events_url: `${BASE}/api/v1/generations/${ID}/events`,
  cancel_url: `${BASE}/api/v1/generations/${ID}/cancel`,
};
const IMAGE = {
  url: `${BASE}/images/3pGzX0c1pQ9m2Yv8LrTq5Wb7.jpg`,
  width: 2048,
  height: 2048,
};

export const SUBMIT_EXAMPLE = { status: 'queued', data: { id: ID, ...LINKS } } as const;

export const STATE_EXAMPLES: Record<string, { summary: string; value: GenerationState }> = {
  queued: {
    summary: 'Waiting for a worker',
    value: {
      status: 'queued',
      data: { id: ID, created_at: '2026-12-01T10:00:00.000Z', ...LINKS, position: 3 },
    },
  },
  running: {
    summary: 'One of two images stored',
    value: {
      status: 'running',
      data: {
        id: ID,
        created_at: '2026-12-01T10:00:00.000Z',
        ...LINKS,
        started_at: '2026-12-01T10:00:02.000Z',
        number_of_images: 2,
        images: [IMAGE],
      },
    },
  },
  succeeded: {
    summary: "The seed's data object",
    value: {
      status: 'succeeded',
      data: {
        images: [IMAGE],
        generation_time_ms: 41_250,
        model: 'seedream-4-5-251128',
        prompt: 'A lighthouse on a rocky coast at dusk',
        id: ID,
        credits_used: 4,
      },
    },
  },
  failed: {
    summary: 'The contract error object',
    value: {
      status: 'failed',
      data: {
        id: ID,
        created_at: '2026-12-01T10:00:00.000Z',
        ...LINKS,
        finished_at: '2026-12-01T10:01:00.000Z',
      },
      error: {
        code: 'content_policy_violation',
        message: 'The request was refused by the content policy',
        request_id: 'req_7Hq2LmX9aB3kP0sVzR4t',
      },
    },
  },
  canceled: {
    summary: 'Cancelled after one image: that image is charged',
    value: {
      status: 'canceled',
      data: {
        id: ID,
        created_at: '2026-12-01T10:00:00.000Z',
        ...LINKS,
        finished_at: '2026-12-01T10:00:30.000Z',
        images: [IMAGE],
        credits_used: 4,
      },
    },
  },
};

const EVENTS_EXAMPLE = [
  'retry: 1000',
  '',
  'id: 1',
  'event: queued',
  `data: {"type":"queued","generation_id":"${ID}","position":0}`,
  '',
  'id: 2',
  'event: started',
  `data: {"type":"started","generation_id":"${ID}"}`,
  '',
  'id: 3',
  'event: image',
  `data: {"type":"image","generation_id":"${ID}","index":0,"image":${JSON.stringify(IMAGE)}}`,
  '',
  'id: 4',
  'event: completed',
  `data: {"type":"completed","generation_id":"${ID}","images":[${JSON.stringify(IMAGE)}],"generation_time_ms":41250,"model":"seedream-4-5-251128","prompt":"A lighthouse on a rocky coast at dusk","id":"${ID}","credits_used":4}`,
  '',
  '',
].join('\n');

const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^gen_[0-9a-z]{12}[0-9A-Za-z]{9}$' },
  example: ID,
};

const state = (description: string, examples: string[]): Fragment => ({
  description,
  content: {
    'application/json': {
      schema: ref('GenerationState'),
      examples: Object.fromEntries(examples.map((e) => [e, STATE_EXAMPLES[e]])),
    },
  },
});

const notFound = new ApiError('not_found', 'No such generation');

export function generationsPart(): DocumentPart {
  return {
    schemas: {
      GenerationSubmitted: schemaOf(submitResponseSchema),
      GenerationState: schemaOf(generationStateSchema),
    },
    paths: {
      '/api/v1/generations/{id}': {
        get: {
          operationId: 'getGeneration',
          tags: ['Asynchronous generations'],
          summary:
            'The state of a generation (asynchronous or not): queued, running, succeeded, failed or canceled',
          description:
            "Any generation of the calling account, including synchronous ones (their `id` is in the 200 answer). Another account's generation is 404. Reading does not count against the per-minute limit.",
          parameters: [idParameter],
          responses: {
            '200': state('The generation', Object.keys(STATE_EXAMPLES)),
            ...errorResponses(renderError, [...examplesOf('unauthorized'), notFound], 'Error'),
          },
        },
      },
      '/api/v1/generations/{id}/events': {
        get: {
          operationId: 'generationEvents',
          tags: ['Asynchronous generations'],
          summary:
            'Server-Sent Events of a generation: queued, started, image, then completed, failed or canceled',
          description:
            'Each event has an `id` (1, 2, 3... within the generation) and JSON `data` with its `type` and `generation_id`. The stream ends after the last event. Reconnecting with `Last-Event-ID` sends only the events after it, so none is lost or repeated. A comment line is sent every 15 s while nothing happens.',
          parameters: [
            idParameter,
            {
              name: 'Last-Event-ID',
              in: 'header',
              required: false,
              schema: { type: 'string', pattern: '^\\d{1,9}$' },
              example: '2',
              description: 'The id of the last event received: the stream resumes after it.',
            },
          ],
          responses: {
            '200': {
              description: 'The event stream',
              content: {
                'text/event-stream': { schema: { type: 'string' }, example: EVENTS_EXAMPLE },
              },
            },
            ...errorResponses(
              renderError,
              [
                new ApiError(
                  'invalid_parameters',
                  'Last-Event-ID must be an event id of this stream',
                  {
                    field: 'Last-Event-ID',
                  },
                ),
                ...examplesOf('unauthorized'),
                notFound,
              ],
              'Error',
            ),
          },
        },
      },
      '/api/v1/generations/{id}/cancel': {
        post: {
          operationId: 'cancelGeneration',
          tags: ['Asynchronous generations'],
          summary:
            'Cancel a generation: queued, nothing is charged; running, only the images delivered are',
          parameters: [idParameter],
          responses: {
            '200': state('Cancelled', ['canceled']),
            '202': state(
              'Cancel asked for: the worker running it (another process) stops it within seconds',
              ['running'],
            ),
            ...errorResponses(
              renderError,
              [
                ...examplesOf('unauthorized', 'generation_finished', 'rate_limit_exceeded'),
                notFound,
              ],
              'Error',
            ),
          },
        },
      },
    },
  };
}
