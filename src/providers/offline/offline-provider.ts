import { availableParallelism } from 'node:os';
import type { ModelId } from '../../contract/models.ts';
import { deliveredDimensions } from '../../contract/sizes.ts';
import type { GenerationJob, GenerationOutcome, ImageProvider } from '../provider.ts';
import { sleep, untilAborted } from './abort.ts';
import { renderBlend, SourceDecodeError } from './blend.ts';
import { createLimiter } from './limiter.ts';
import { noMarkers, parseMarkers } from './markers.ts';
import { resolvePalette } from './palette.ts';
import { digestOf, rngFromDigest } from './random.ts';
import { renderScene } from './render.ts';
import type { DrawingStyle } from './scene.ts';

/** Options of the offline provider. */
export interface OfflineProviderOptions {
  /** Milliseconds to wait (abortably) before drawing each image, to play a slow upstream. */
  readonly delayMs?: number;
  /** Images drawn at once; the rest queue. Defaults to the number of CPU cores. */
  readonly concurrency?: number;
  /** Called as each drawing starts and ends, with the number then in progress (tests, metrics). */
  readonly onRenderChange?: (active: number) => void;
  /**
   * Honour the `[[offline:...]]` prompt markers (refusals, delays; see markers.ts). Off unless a
   * test asks for it (GOODTAKE_OFFLINE_TEST_MARKERS): on a real server any caller could use them.
   */
  readonly testMarkers?: boolean;
}

const REFUSAL = 'The prompt or an output image was refused by the content policy';

const STYLES: Readonly<Record<ModelId, DrawingStyle>> = {
  'seedream-4-5-251128': 'painterly',
  'seedream-4-0-250828': 'graphic',
};

/**
 * The provider used when no upstream is configured: draws a deterministic synthetic picture for
 * each job (same job, same bytes), coloured and composed after the prompt's words, or blends the
 * job's source images. With `testMarkers`, prompt markers trigger refusals and delays for tests.
 */
export function createOfflineProvider(options: OfflineProviderOptions = {}): ImageProvider {
  const delayMs = Math.max(0, options.delayMs ?? 0);
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? availableParallelism()));
  const limiter = createLimiter(concurrency);
  const notify = options.onRenderChange;

  const draw = async (job: GenerationJob, prompt: string): Promise<Uint8Array> => {
    const target = deliveredDimensions(job.size, job.prompt);
    const sourceDigests = job.sources.map((source) => digestOf([source.bytes]));
    const promptRng = rngFromDigest(digestOf([job.model, prompt]));
    const imageRng = rngFromDigest(
      digestOf([
        job.model,
        prompt,
        `${target.width}x${target.height}`,
        String(job.index),
        ...sourceDigests,
      ]),
    );
    const palette = resolvePalette(prompt, promptRng, imageRng.fork('palette'));
    const style = STYLES[job.model];
    const sceneRng = imageRng.fork('scene');
    return job.sources.length > 0
      ? renderBlend(job.sources, target, palette, style, sceneRng)
      : renderScene(target, palette, style, sceneRng);
  };

  return {
    id: 'offline',
    describe: () =>
      `offline provider: synthetic images drawn locally, no model is called (${concurrency} at once${delayMs > 0 ? `, ${delayMs} ms simulated latency` : ''})`,
    async generate(job: GenerationJob): Promise<GenerationOutcome> {
      const { signal } = job;
      const markers = options.testMarkers ? parseMarkers(job.prompt) : noMarkers(job.prompt);
      await sleep(delayMs + (markers.extraDelay.get(job.index) ?? 0), signal);
      if (markers.refuseAll || markers.refusedIndexes.has(job.index)) {
        return { ok: false, failure: { kind: 'content_policy', message: REFUSAL } };
      }
      const rendering = limiter.run(async () => {
        signal.throwIfAborted();
        notify?.(limiter.active);
        try {
          return await draw(job, markers.prompt);
        } finally {
          notify?.(limiter.active - 1);
        }
      }, signal);
      try {
        const bytes = await untilAborted(rendering, signal);
        return { ok: true, image: { bytes } };
      } catch (err) {
        // Sources are checked before any job runs; this holds even if one slips through.
        if (!(err instanceof SourceDecodeError)) throw err;
        return {
          ok: false,
          failure: {
            kind: 'invalid_input',
            message: `image_urls[${err.index}]: the image could not be decoded (it is truncated or corrupt)`,
          },
        };
      }
    },
  };
}
