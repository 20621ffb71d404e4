import type { GenerateImageRequest } from '../contract/generate-image.ts';
import type { Db } from '../db/database.ts';
import type { JobStatus } from '../db/schema.ts';
import type { ImageRecords, StoredImage } from '../images/image-records.ts';
import type { ImageStore } from '../storage/store.ts';
import type { JobRow, JobStore } from './job-store.ts';
import { generationLinks, imageView, resultData, type StoredError } from './render.ts';

/**
 * The body of `GET /api/v1/generations/{id}`: `status` is the generation's state, `data` what
 * that state has to say (a finished one: the seed's `data` object), `error` a failure's error.
 */
export interface GenerationView {
  readonly status: JobStatus;
  readonly data: Record<string, unknown>;
  readonly error?: Record<string, unknown>;
}

export interface ViewDeps {
  readonly db: Db;
  readonly records: ImageRecords;
  readonly imageStore: ImageStore;
  readonly store: JobStore;
}

async function bytesOf(deps: ViewDeps, image: StoredImage): Promise<Buffer | undefined> {
  const stream = await deps.imageStore.open(image.storageKey);
  return stream ? Buffer.from(await new Response(stream).arrayBuffer()) : undefined;
}

const iso = (t: number | null) => (t === null ? null : new Date(Number(t)).toISOString());

export async function viewOfJob(deps: ViewDeps, job: JobRow): Promise<GenerationView> {
  const request = JSON.parse(job.request) as GenerateImageRequest;
  const common = {
    id: job.id,
    created_at: iso(job.created_at),
    ...generationLinks(job.base_url, job.id),
  };
  switch (job.status) {
    case 'queued':
      return { status: 'queued', data: { ...common, position: await deps.store.position(job) } };
    case 'running': {
      const images = await deps.records.forGeneration(job.id);
      return {
        status: 'running',
        data: {
          ...common,
          started_at: iso(job.started_at),
          number_of_images: request.numberOfImages,
          images: images.map((i) => imageView(job.base_url, i)),
        },
      };
    }
    case 'succeeded': {
      const images = await deps.records.forGeneration(job.id);
      const views = await Promise.all(
        images.map(async (i) =>
          imageView(job.base_url, i, request.includeBase64 ? await bytesOf(deps, i) : undefined),
        ),
      );
      return {
        status: 'succeeded',
        data: resultData({
          id: job.id,
          images: views,
          generationTimeMs: Number(job.generation_time_ms ?? 0),
          creditsUsed: Number(job.credits_used ?? 0),
          request,
        }),
      };
    }
    case 'canceled': {
      const images = await deps.records.forGeneration(job.id);
      return {
        status: 'canceled',
        data: {
          ...common,
          finished_at: iso(job.finished_at),
          images: images.map((i) => imageView(job.base_url, i)),
          credits_used: Number(job.credits_used ?? 0),
        },
      };
    }
    case 'failed': {
      const error = JSON.parse(job.error ?? '{}') as StoredError;
      return {
        status: 'failed',
        data: { ...common, finished_at: iso(job.finished_at) },
        error: { ...error, request_id: job.request_id },
      };
    }
  }
}

/**
 * A generation without a job (made before jobs existed, or whose job was deleted after its
 * retention): what the generations table and its images say.
 */
export async function viewOfGeneration(
  deps: ViewDeps,
  accountId: string,
  id: string,
  baseUrl: string,
): Promise<GenerationView | undefined> {
  const g = await deps.db
    .selectFrom('generations')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  if (!g) return undefined;
  const images = await deps.records.forGeneration(id);
  const views = images.map((i) => imageView(baseUrl, i));
  const common = { id, created_at: iso(g.created_at), ...generationLinks(baseUrl, id) };
  if (g.status === 'pending') {
    return {
      status: 'running',
      data: {
        ...common,
        started_at: iso(g.created_at),
        number_of_images: g.number_of_images,
        images: views,
      },
    };
  }
  if (g.status === 'failed') {
    return {
      status: 'failed',
      data: { ...common, finished_at: iso(g.finished_at) },
      error: {
        code: g.error_code ?? 'internal_error',
        message: 'The generation failed',
        request_id: g.request_id,
      },
    };
  }
  // The prompt is kept with the job only: empty once the job is past its retention.
  return {
    status: 'succeeded',
    data: {
      images: views,
      generation_time_ms: Number(g.duration_ms ?? 0),
      model: g.model,
      prompt: '',
      id,
      credits_used: Number(g.credits_captured),
    },
  };
}
