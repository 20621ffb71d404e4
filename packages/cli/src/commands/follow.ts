import { mkdir } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { GenerationState } from '@goodtake/sdk';
import { CONNECTION_OPTIONS, parseCommand } from '../args.ts';
import { clientFor, resolveConnection } from '../config.ts';
import type { CommandContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { formatDuration, imageExtension, slugify, timestamp, writeNewFile } from '../output.ts';

const GET_OPTIONS = { ...CONNECTION_OPTIONS, json: { type: 'boolean' } } as const;
const WATCH_OPTIONS = {
  ...CONNECTION_OPTIONS,
  out: { type: 'string', short: 'o' },
  json: { type: 'boolean' },
  'no-save': { type: 'boolean' },
} as const;

function oneId(command: string, positionals: readonly string[]): string {
  const [id, extra] = positionals;
  if (!id)
    throw new UsageError(`a generation id is required: goodtake ${command} gen_...`, 'generations');
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`, 'generations');
  return id;
}

function describe(state: GenerationState): string {
  switch (state.status) {
    case 'queued':
      return `queued, ${state.data.position} ahead of it`;
    case 'running':
      return `running, ${state.data.images.length}/${state.data.number_of_images} images stored`;
    case 'succeeded':
      return `succeeded: ${state.data.images.length} image(s), ${state.data.credits_used ?? 0} credits, ${formatDuration(state.data.generation_time_ms)}`;
    case 'failed':
      return `failed: ${state.error.code}: ${state.error.message}`;
    case 'canceled':
      return `canceled: ${state.data.images.length} image(s) delivered, ${state.data.credits_used} credits`;
  }
}

/** `goodtake generations get ID`: the state of one generation. */
export async function getGeneration(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand('generations', args, GET_OPTIONS);
  const id = oneId('generations get', positionals);
  const connection = await resolveConnection(values, ctx.io);
  ctx.baseURL = connection.baseURL;
  const client = clientFor(connection, 'generations');
  const state = await client.generations.retrieve(id, { signal: ctx.io.signal });
  if (values.json) ctx.io.stdout(`${JSON.stringify(state, null, 2)}\n`);
  else {
    ctx.io.stdout(`${id}: ${describe(state)}\n`);
    if (state.status === 'succeeded' || state.status === 'running' || state.status === 'canceled') {
      for (const i of state.data.images) ctx.io.stdout(`  ${i.url}  ${i.width}x${i.height}\n`);
    }
  }
  return state.status === 'failed' ? EXIT.api : EXIT.ok;
}

/** A one-line progress bar: `[#####-----] 1/2 images  12.3 s  running`. */
function bar(done: number, total: number, elapsedMs: number, label: string): string {
  const width = 20;
  const filled = total > 0 ? Math.round((done / total) * width) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total || '?'} images  ${formatDuration(elapsedMs)}  ${label}`;
}

/**
 * `goodtake generations watch ID`: follows the generation's events with a progress bar (a line
 * per event when stderr is not a terminal), then saves its images as `generate` does.
 */
export async function watchGeneration(
  args: readonly string[],
  ctx: CommandContext,
): Promise<number> {
  const { io } = ctx;
  const { values, positionals } = parseCommand('generations', args, WATCH_OPTIONS);
  const id = oneId('generations watch', positionals);
  const connection = await resolveConnection(values, io);
  ctx.baseURL = connection.baseURL;
  const client = clientFor(connection, 'generations');

  const started = Date.now();
  let total = 0;
  let done = 0;
  const show = (label: string) => {
    if (io.isTTY) io.stderr(`\r\x1b[2K${bar(done, total, Date.now() - started, label)}`);
    else io.stderr(`${bar(done, total, Date.now() - started, label)}\n`);
  };
  const first = await client.generations.retrieve(id, { signal: io.signal });
  if (first.status === 'running') {
    total = first.data.number_of_images;
    done = first.data.images.length;
  }
  show(first.status);
  for await (const event of client.generations.events(id, { signal: io.signal })) {
    if (event.type === 'queued') show(`queued (${String(event.data.position)} ahead)`);
    else if (event.type === 'started') {
      const state = await client.generations.retrieve(id, { signal: io.signal });
      if (state.status === 'running') total = state.data.number_of_images;
      show('running');
    } else if (event.type === 'image') {
      done = Math.min(total || Number.POSITIVE_INFINITY, done + 1);
      show('running');
    } else show(event.type);
  }
  if (io.isTTY) io.stderr('\n');

  const state = await client.generations.retrieve(id, { signal: io.signal });
  if (values.json) io.stdout(`${JSON.stringify(state, null, 2)}\n`);
  const report = values.json ? io.stderr : io.stdout;
  if (state.status === 'failed') {
    report(`${id} ${describe(state)}\n`);
    return EXIT.api;
  }
  if (state.status !== 'succeeded') {
    report(`${id} ${describe(state)}\n`);
    return state.status === 'canceled' ? EXIT.api : EXIT.ok;
  }
  if (values['no-save'] !== true) {
    const outDir = resolve(io.cwd, values.out ?? '.');
    await mkdir(outDir, { recursive: true });
    const stem = `${slugify(state.data.prompt || id)}-${timestamp(new Date())}`;
    const saved: string[] = [];
    for (const [i, image] of state.data.images.entries()) {
      const bytes = await image.bytes({ signal: io.signal });
      const path = await writeNewFile(outDir, `${stem}-${i + 1}`, imageExtension(image), bytes);
      const rel = relative(io.cwd, path);
      const shown = rel.startsWith('..') || isAbsolute(rel) ? path : `./${rel}`;
      saved.push(`  ${shown}  ${image.width}x${image.height}`);
    }
    report(`Saved ${saved.length} image${saved.length === 1 ? '' : 's'}:\n${saved.join('\n')}\n`);
  }
  report(`${id} ${describe(state)}\n`);
  return EXIT.ok;
}
