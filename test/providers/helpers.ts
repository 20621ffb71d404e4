import { createServer } from 'node:net';
import { pino } from 'pino';
import sharp from 'sharp';
import type { GenerationJob, SourceImage } from '../../src/providers/provider.ts';

export interface CapturedLog {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** A pino logger whose lines are kept for assertions (and their raw text, to look for secrets). */
export function captureLogger() {
  const lines: CapturedLog[] = [];
  const raw: string[] = [];
  const log = pino(
    { level: 'trace' },
    {
      write(text: string) {
        raw.push(text);
        lines.push(JSON.parse(text) as CapturedLog);
      },
    },
  );
  return { log, lines, raw };
}

/** A sleep that records what it was asked to wait and returns at once. */
export function recordingSleep() {
  const waits: number[] = [];
  const sleep = async (ms: number): Promise<void> => {
    waits.push(ms);
  };
  return { waits, sleep };
}

/** A job with defaults: 4.5, auto 2K, standard, no sources. */
export function makeJob(overrides: Partial<GenerationJob> = {}): GenerationJob {
  return {
    model: 'seedream-4-5-251128',
    prompt: 'a red fox in the snow',
    size: { kind: 'auto', tier: '2K' },
    mode: 'standard',
    index: 0,
    sources: [],
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** A real PNG/JPEG/WebP source image of the given size. */
export async function makeSource(
  width: number,
  height: number,
  format: SourceImage['format'] = 'png',
  url?: string,
): Promise<SourceImage> {
  const bytes = await sharp({
    create: { width, height, channels: 3, background: { r: 10, g: 200, b: 30 } },
  })
    .toFormat(format)
    .toBuffer();
  return { bytes, format, width, height, ...(url === undefined ? {} : { url }) };
}

/** Width and height of encoded image bytes. */
export async function measure(
  bytes: Uint8Array,
): Promise<{ width: number; height: number; format: string }> {
  const meta = await sharp(bytes).metadata();
  return { width: meta.width ?? 0, height: meta.height ?? 0, format: meta.format ?? '' };
}

/**
 * A sleep that records what it was asked to wait and waits at most `capMs` for real: polling
 * adapters keep their rhythm without the tests waiting for whole backoffs.
 */
export function shortSleep(capMs = 5) {
  const waits: number[] = [];
  const sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    waits.push(ms);
    if (signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(ms, capMs));
      signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  };
  return { waits, sleep };
}

/** Resolves once `check` holds, polling every 10 ms, or fails after `ms`. */
export async function eventually(check: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('the condition did not come true in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * What the fal.ai and Replicate adapters ask Seedream 4.0 for, per seed size: each side in
 * 1024-4096 (both upstreams' rule), the same aspect ratio on a 16-pixel grid.
 */
export const SEED_40_UPSTREAM_SIZES: Readonly<Record<string, string>> = {
  '512x512': '1024x1024',
  '768x768': '1024x1024',
  '1024x1024': '1024x1024',
  '1024x768': '1408x1056',
  '768x1024': '1056x1408',
  '1920x1080': '1920x1080',
  '1080x1920': '1080x1920',
};
