import { mkdir } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import {
  type ApiResponse,
  DEFAULT_MODEL,
  type ImageGenerateParams,
  type ImageModel,
  type ImagesResponse,
  isImageModel,
  isImageSize,
  MODELS,
  type OptimizePromptMode,
  SIZES,
} from '@goodtake/sdk';
import { CONNECTION_OPTIONS, parseCommand, wholeNumber } from '../args.ts';
import { clientFor, resolveConnection } from '../config.ts';
import type { CommandContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { toImageUrl } from '../input-images.ts';
import {
  formatDuration,
  imageExtension,
  slugify,
  startProgress,
  timestamp,
  writeNewFile,
} from '../output.ts';

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  model: { type: 'string', short: 'm' },
  size: { type: 'string', short: 's' },
  number: { type: 'string', short: 'n' },
  mode: { type: 'string' },
  image: { type: 'string', short: 'i', multiple: true },
  out: { type: 'string', short: 'o' },
  json: { type: 'boolean' },
  base64: { type: 'boolean' },
  'no-save': { type: 'boolean' },
  'idempotency-key': { type: 'string' },
  async: { type: 'boolean' },
} as const;

const MODES: readonly OptimizePromptMode[] = ['standard', 'creative', 'precise'];

/** `goodtake generate "PROMPT" ...`: generate, save, report. */
export async function generate(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const { values, positionals } = parseCommand('generate', args, OPTIONS);
  const prompt = positionals.join(' ').trim();
  if (!prompt)
    throw new UsageError('a prompt is required: goodtake generate "A red kite"', 'generate');

  const model = values.model ?? DEFAULT_MODEL;
  if (!isImageModel(model)) {
    throw new UsageError(`--model must be one of: ${MODELS.join(', ')}`, 'generate');
  }
  const mode = values.mode ?? 'standard';
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`--mode must be one of: ${MODES.join(', ')}`, 'generate');
  }
  const params = paramsFor(model, values.size ?? '2K', {
    prompt,
    number_of_images: wholeNumber('generate', '-n', values.number, { min: 1, max: 4, fallback: 1 }),
    optimize_prompt_mode: mode as OptimizePromptMode,
    include_base64_encoding: values.base64 === true,
    image_urls: await Promise.all((values.image ?? []).map((v) => toImageUrl(v, io.cwd))),
  });

  const save = values['no-save'] !== true;
  const outDir = resolve(io.cwd, values.out ?? '.');
  if (save) await mkdir(outDir, { recursive: true });

  const connection = await resolveConnection(values, io);
  ctx.baseURL = connection.baseURL;
  const client = clientFor(connection, 'generate');

  if (values.async) {
    // Queued: print the id (or the JSON answer) and leave; `goodtake generations watch ID` follows it.
    const queued = await client.images
      .generate(params, {
        async: true,
        signal: io.signal,
        idempotencyKey: values['idempotency-key'],
      })
      .withResponse();
    if (values.json) io.stdout(`${JSON.stringify(queued.body, null, 2)}\n`);
    else {
      io.stdout(`${queued.data.id}\n`);
      io.stderr(`Queued. Follow it with: goodtake generations watch ${queued.data.id}\n`);
    }
    return EXIT.ok;
  }

  const count = params.number_of_images ?? 1;
  const progress = startProgress(
    io.stderr,
    io.isTTY,
    `Generating ${count} image${count === 1 ? '' : 's'} (${model}, ${params.size})`,
  );
  let result: ApiResponse<ImagesResponse>;
  try {
    result = await client.images
      .generate(params, {
        signal: io.signal,
        idempotencyKey: values['idempotency-key'],
      })
      .withResponse();
  } finally {
    progress.stop();
  }
  const { data, body } = result;

  if (values.json) io.stdout(`${JSON.stringify(body, null, 2)}\n`);
  const report = values.json ? io.stderr : io.stdout;

  if (save) {
    const stem = `${slugify(prompt)}-${timestamp(new Date())}`;
    const saved: string[] = [];
    for (const [i, image] of data.images.entries()) {
      const bytes = await image.bytes({ signal: io.signal });
      const path = await writeNewFile(outDir, `${stem}-${i + 1}`, imageExtension(image), bytes);
      saved.push(`  ${displayPath(path, io.cwd)}  ${image.width}x${image.height}`);
    }
    report(`Saved ${saved.length} image${saved.length === 1 ? '' : 's'}:\n${saved.join('\n')}\n`);
  } else if (!values.json) {
    report(`${data.images.map((i) => `  ${i.url}  ${i.width}x${i.height}`).join('\n')}\n`);
  }
  const credits = data.credits_used === undefined ? '' : `Credits used: ${data.credits_used}. `;
  report(
    `${credits}${data.model}, generated in ${formatDuration(data.generation_time_ms)}${data.id ? ` (${data.id})` : ''}.\n`,
  );
  return EXIT.ok;
}

type CommonParams = Omit<ImageGenerateParams, 'model' | 'size'>;

/** Checks `--size` against the model's sizes (auto sizes in any case), typed per model. */
function paramsFor(model: ImageModel, rawSize: string, common: CommonParams): ImageGenerateParams {
  const size = /^[124]k$/i.test(rawSize) ? rawSize.toUpperCase() : rawSize;
  if (model === 'seedream-4-0-250828') {
    if (isImageSize(model, size)) return { ...common, model, size };
  } else if (isImageSize(model, size)) {
    return { ...common, model, size };
  }
  throw new UsageError(
    `--size ${rawSize} is not a size of ${model}. Its sizes: ${SIZES[model].join(', ')}`,
    'generate',
  );
}

function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : `./${rel}`;
}
