import { pino } from 'pino';
import sharp from 'sharp';
import { afterEach } from 'vitest';
import { createFetchClient } from '../../../src/providers/kit/http-client.ts';
import {
  type FakeModelArk,
  type FakeModelArkOptions,
  startFakeModelArk,
} from '../../../src/providers/modelark/fake/server.ts';
import type { ModelArkOptions } from '../../../src/providers/modelark/options.ts';
import { createModelArkProvider } from '../../../src/providers/modelark/provider.ts';
import type { GenerationJob, SourceImage } from '../../../src/providers/provider.ts';

const running: FakeModelArk[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.close()));
});

/** Starts a fake on 127.0.0.1 and a free port; closed after the test. */
export async function startFake(options: FakeModelArkOptions = {}): Promise<FakeModelArk> {
  const fake = await startFakeModelArk(options);
  running.push(fake);
  return fake;
}

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

/** A provider aimed at a fake, with instant sleeps and a captured log unless overridden. */
/**
 * A provider against the fake. `fetch` puts a fault-injecting fetch in front of the wire
 * (through the fetch client); without it the provider uses its default undici client.
 */
export function makeProvider(
  fake: FakeModelArk,
  overrides: Partial<ModelArkOptions> & { fetch?: typeof fetch } = {},
) {
  const logs = captureLogger();
  const sleeper = recordingSleep();
  const { fetch: fetchFn, ...options } = overrides;
  const provider = createModelArkProvider({
    apiKey: fake.apiKey,
    baseUrl: fake.url,
    log: logs.log,
    sleep: sleeper.sleep,
    random: () => 0.5,
    ...(fetchFn ? { http: createFetchClient(fetchFn) } : {}),
    ...options,
  });
  return { provider, logs, waits: sleeper.waits };
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

/** The JSON body of the n-th generation request the fake received. */
export function sentBody(fake: FakeModelArk, n = 0): Record<string, unknown> {
  const request = fake.generations()[n];
  if (!request) throw new Error(`the fake received no generation request #${n}`);
  return request.body as Record<string, unknown>;
}
