import { Busboy } from '@fastify/busboy';
import { formatMegabytes } from '../../../fetch/data-uri.ts';
import { sniffFormat } from '../../../fetch/inspect-image.ts';
import type { RequestBody } from '../../body/request-body.ts';
import { ApiError } from '../../errors.ts';

/** Bounds of one multipart edit, enforced while the body streams in. */
export interface MultipartLimits {
  /** Image files per request. */
  readonly maxImages: number;
  /** Bytes per image file. */
  readonly maxImageBytes: number;
}

export interface EditForm {
  /** Text fields by name, each sent once. */
  readonly fields: Readonly<Record<string, string>>;
  /** The uploaded images (`image`, `image[]` or repeated `image`) as data URIs, in order. */
  readonly images: readonly string[];
  /** Whether a `mask` file was sent (refused by the request's schema). */
  readonly mask: boolean;
}

const IMAGE_FIELDS = new Set(['image', 'image[]']);
const MAX_FIELDS = 32;
const MAX_FIELD_BYTES = 64 * 1024;

/** A refusal found while parsing: the first one stops the read and is answered. */
const invalid = (param: string, reason: string, message: string) =>
  new ApiError('invalid_parameters', message, { field: param, reason });

function asDataUri(bytes: Buffer): string {
  // The declared type is the one the bytes prove (a client's part Content-Type is not
  // trusted, as a fetched URL's is not): the source checks then sniff and decode them again.
  return `data:image/${sniffFormat(bytes) ?? 'png'};base64,${bytes.toString('base64')}`;
}

/**
 * Reads a multipart/form-data edit with @fastify/busboy, fed chunk by chunk by the bounded body
 * reader (src/http/body/): files and fields are counted and sized as they stream in, a file
 * over the limit is refused at the limit, and the first problem stops the read at once (the
 * reader's size and time bounds hold as for every body).
 */
export async function readEditForm(
  contentType: string,
  body: RequestBody,
  limits: MultipartLimits,
): Promise<EditForm> {
  let parser: InstanceType<typeof Busboy>;
  try {
    parser = new Busboy({
      headers: { 'content-type': contentType },
      limits: {
        files: limits.maxImages + 1,
        fileSize: limits.maxImageBytes,
        fields: MAX_FIELDS,
        fieldSize: MAX_FIELD_BYTES,
        parts: limits.maxImages + 1 + MAX_FIELDS,
      },
    });
  } catch {
    throw new ApiError(
      'unsupported_media_type',
      'multipart/form-data needs a boundary parameter (Content-Type: multipart/form-data; boundary=...)',
    );
  }
  const fields: Record<string, string> = {};
  const pending: Array<Promise<{ index: number; bytes: Buffer } | undefined>> = [];
  let imageCount = 0;
  let mask = false;
  let failure: ApiError | undefined;
  const fail = (err: ApiError) => {
    failure ??= err;
  };
  const tooMany = (): void =>
    fail(
      new ApiError('invalid_image', `image: at most ${limits.maxImages} images are accepted`, {
        field: 'image',
        reason: 'too_many_images',
      }),
    );

  parser.on('file', (name, stream) => {
    if (failure || !(IMAGE_FIELDS.has(name) || name === 'mask')) {
      if (!failure) {
        const shown = name.length > 64 ? `${name.slice(0, 64)}...` : name;
        fail(
          invalid(
            shown,
            'unknown_parameter',
            `Unknown file parameter: '${shown}'. Images go in 'image' (or 'image[]')`,
          ),
        );
      }
      stream.resume();
      return;
    }
    if (name === 'mask') {
      mask = true;
      stream.resume();
      return;
    }
    const index = imageCount++;
    if (index >= limits.maxImages) {
      tooMany();
      stream.resume();
      return;
    }
    const chunks: Buffer[] = [];
    pending.push(
      new Promise((resolve) => {
        stream.on('data', (chunk: Buffer) => {
          if (!failure) chunks.push(chunk);
        });
        stream.on('limit', () => {
          fail(
            new ApiError(
              'invalid_image',
              `image[${index}]: the image is larger than ${formatMegabytes(limits.maxImageBytes)}`,
              { field: 'image', reason: 'image_too_large' },
            ),
          );
        });
        stream.on('end', () => {
          if (failure) return resolve(undefined);
          const bytes = Buffer.concat(chunks);
          if (bytes.length === 0) {
            fail(
              new ApiError('invalid_image', `image[${index}]: the file is empty`, {
                field: 'image',
                reason: 'empty_file',
              }),
            );
            return resolve(undefined);
          }
          resolve({ index, bytes });
        });
      }),
    );
  });
  parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
    if (failure) return;
    const shown = name.length > 64 ? `${name.slice(0, 64)}...` : name;
    if (IMAGE_FIELDS.has(name) || name === 'mask') {
      fail(
        invalid(
          shown,
          'invalid_type',
          `${shown} must be an uploaded file; to pass image URLs, send JSON with images: [{"image_url": ...}]`,
        ),
      );
    } else if (valueTruncated) {
      fail(invalid(shown, 'invalid_value', `${shown} is longer than ${MAX_FIELD_BYTES} bytes`));
    } else if (Object.hasOwn(fields, name)) {
      fail(invalid(shown, 'duplicate_parameter', `${shown} was sent more than once`));
    } else {
      fields[name] = value;
    }
  });
  parser.on('filesLimit', tooMany);
  parser.on('fieldsLimit', () =>
    fail(invalid('', 'invalid_value', `at most ${MAX_FIELDS} form fields are accepted`)),
  );
  parser.on('partsLimit', () =>
    fail(invalid('', 'invalid_value', 'the form has more parts than an edit can use')),
  );

  let malformed: ApiError | undefined;
  const finished = new Promise<void>((resolve) => {
    parser.on('finish', resolve);
    parser.on('error', (err: unknown) => {
      malformed ??= invalid(
        '',
        'invalid_multipart',
        `The multipart body is malformed: ${err instanceof Error ? err.message : String(err)}`,
      );
      resolve();
    });
  });
  try {
    await body.bytes({
      // Every image at its limit, and room for the text fields and part headers.
      maxBytes: limits.maxImages * limits.maxImageBytes + 1024 * 1024,
      inspect: (chunk) => {
        parser.write(chunk);
        return failure ?? malformed;
      },
    });
  } catch (err) {
    parser.destroy();
    throw err;
  }
  parser.end();
  await finished;
  if (malformed) throw malformed;
  const files = await Promise.all(pending);
  if (failure) throw failure;
  const images = files
    .filter((f): f is { index: number; bytes: Buffer } => f !== undefined)
    .sort((a, b) => a.index - b.index)
    .map((f) => asDataUri(f.bytes));
  return { fields, images, mask };
}
