import type { HttpBindings } from '@hono/node-server';
import type { Hono } from 'hono';
import { createFakeCdn, type FakeCdn } from './cdn.ts';
import { createJpegRenderer, type OutputBytes } from './jpeg.ts';
import { createRecorder, type Recorder } from './recorder.ts';
import { createScript, type Script } from './script.ts';
import { mountControl } from './serve.ts';

/** What every job-queue fake keeps: calls, scripted entries, marker uses, outputs. */
export interface FakeBase<S extends { readonly times?: number }> {
  readonly recorder: Recorder;
  readonly script: Script<S>;
  /** Uses of `[[fake:…,times=N]]` markers, by marker text. */
  readonly markerUses: Map<string, number>;
  readonly cdn: FakeCdn;
  readonly render: (width: number, height: number, seed: string) => Promise<Buffer>;
  readonly now: () => number;
  readonly random: () => number;
}

export interface FakeBaseOptions {
  readonly now?: () => number;
  readonly random?: () => number;
  readonly recordLimit?: number;
  /** Path prefix of output files (`/files`, `/delivery`). */
  readonly cdnPrefix: string;
  readonly ttlSeconds: () => number;
  readonly outputBytes: () => OutputBytes;
}

export function createFakeBase<S extends { readonly times?: number }>(
  o: FakeBaseOptions,
): FakeBase<S> {
  const now = o.now ?? Date.now;
  return {
    recorder: createRecorder(now, o.recordLimit),
    script: createScript<S>(),
    markerUses: new Map(),
    cdn: createFakeCdn(o.cdnPrefix, o.ttlSeconds, now),
    render: createJpegRenderer(o.outputBytes),
    now,
    random: o.random ?? Math.random,
  };
}

/** Forgets calls, scripted entries and marker uses. */
export function resetFakeBase<S extends { readonly times?: number }>(base: FakeBase<S>): void {
  base.recorder.clear();
  base.script.clear();
  base.markerUses.clear();
}

/** The control API over a fake's base, its settings and its reset. */
export function mountFakeControl<S extends { readonly times?: number }, C extends object>(
  app: Hono<{ Bindings: HttpBindings }>,
  fake: { readonly base: FakeBase<S>; readonly config: C; reset(): void },
  pick: (patch: Record<string, unknown>) => Partial<C>,
): void {
  mountControl(app, {
    requests: fake.base.recorder.requests,
    script: (list) => {
      fake.base.script.push(...(list as S[]));
      return fake.base.script.size;
    },
    configure: (patch) => Object.assign(fake.config, pick(patch)),
    reset: () => fake.reset(),
  });
}
