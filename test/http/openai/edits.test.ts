import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/harness.ts';
import { fetchImage, type ImagesResponse, openAiErrorOf, pixelsOf, postJson } from './helpers.ts';

// POST /v1/images/edits: multipart (image, image[], repeated image) and JSON
// (images[].image_url), both blend mode with the same source checks as image_urls.

let t: TestApp;
let red: Buffer;
let blue: Buffer;
beforeAll(async () => {
  t = await createTestApp();
  const solid = (background: string) =>
    sharp({ create: { width: 96, height: 64, channels: 3, background } })
      .png()
      .toBuffer();
  [red, blue] = await Promise.all([solid('#d02020'), solid('#2040d0')]);
});
afterAll(() => t.close());

const PATH = '/v1/images/edits';

function form(fields: Record<string, string>, files: Array<[string, Buffer, string?]>): FormData {
  const f = new FormData();
  for (const [name, value] of Object.entries(fields)) f.append(name, value);
  for (const [name, bytes, type] of files) {
    f.append(name, new Blob([new Uint8Array(bytes)], { type: type ?? 'image/png' }), 'input.png');
  }
  return f;
}

/**
 * POSTs a form as the bytes a client sends (encoded once, with its boundary), so a body the
 * server stops reading part-way is simply not read further.
 */
async function postForm(body: FormData | string, headers: Record<string, string> = {}) {
  let payload: ArrayBuffer | string = body as string;
  let type: Record<string, string> = {};
  if (body instanceof FormData) {
    const encoded = new Response(body);
    type = { 'Content-Type': encoded.headers.get('content-type')! };
    payload = await encoded.arrayBuffer();
  }
  return t.request(PATH, {
    method: 'POST',
    headers: { Authorization: `Bearer ${t.key}`, ...type, ...headers },
    body: payload,
  });
}

async function ok(res: Response): Promise<ImagesResponse> {
  if (res.status !== 200) throw new Error(`${res.status}: ${await res.text()}`);
  return (await res.json()) as ImagesResponse;
}

async function lastGeneration() {
  return t.application.core.database.db
    .selectFrom('generations')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
}

const dataUrl = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`;

describe('multipart/form-data', () => {
  it('edits one uploaded image into a stored image of the size asked (blend mode)', async () => {
    const res = await postForm(
      form({ prompt: 'Turn this into a watercolour', size: '1024x1024' }, [['image', red]]),
    );
    const body = await ok(res);
    expect(body.data).toHaveLength(1);
    const { bytes } = await fetchImage(t, body.data[0]!.url!);
    const meta = await sharp(bytes).metadata();
    expect([meta.width, meta.height]).toEqual([1024, 1024]);
    const g = await lastGeneration();
    expect([g.blend, g.size, g.images_delivered]).toEqual([1, '1024x1024', 1]);
    expect(res.headers.get('x-credits-used')).toBe('4');
  });

  it.each([
    ['image[]', 'image[]'],
    ['repeated image', 'image'],
  ])('takes several images as %s', async (_label, name) => {
    const res = await postForm(
      form({ prompt: 'Combine these', n: '2', response_format: 'b64_json', size: '1K' }, [
        [name, red],
        [name, blue],
      ]),
    );
    const body = await ok(res);
    expect(body.data.map((d) => Object.keys(d))).toEqual([['b64_json'], ['b64_json']]);
    expect((await lastGeneration()).number_of_images).toBe(2);
  });

  it('blends the same way as image_urls: same price, same picture', async () => {
    const native = await t.generate({
      prompt: 'Combine these',
      model: 'seedream-4-0-250828',
      size: '1024x1024',
      image_urls: [dataUrl(red), dataUrl(blue)],
      include_base64_encoding: true,
    });
    const nativeBody = await native.json();
    const edit = await ok(
      await postForm(
        form(
          {
            prompt: 'Combine these',
            model: 'seedream-4-0-250828',
            size: '1024x1024',
            response_format: 'b64_json',
          },
          [
            ['image', red],
            ['image', blue],
          ],
        ),
      ),
    );
    const a = Buffer.from(nativeBody.data.images[0].base64.split(',')[1], 'base64');
    const b = Buffer.from(edit.data[0]!.b64_json!, 'base64');
    expect((await pixelsOf(b)).equals(await pixelsOf(a))).toBe(true);
    expect(nativeBody.data.credits_used).toBe(3);
    expect(await t.application.core.ledger.verify()).toEqual([]);
  });

  it('refuses a mask, naming it', async () => {
    const res = await postForm(
      form({ prompt: 'Fill the hole' }, [
        ['image', red],
        ['mask', blue],
      ]),
    );
    expect(res.status).toBe(400);
    const err = await openAiErrorOf(res);
    expect(err).toMatchObject({ param: 'mask', code: 'unsupported_parameter' });
    expect(err.message).toContain('no inpainting mask');
  });

  it('refuses what is not an image as the image_urls checks would, at no cost', async () => {
    const before = await t.application.core.ledger.balance(t.accountId);
    const res = await postForm(
      form({ prompt: 'Edit' }, [
        ['image', red],
        ['image', Buffer.from('just some text, not a picture'), 'image/png'],
      ]),
    );
    expect(res.status).toBe(400);
    expect(await openAiErrorOf(res)).toEqual({
      message: 'image[1]: not a PNG, JPEG or WebP image',
      type: 'invalid_request_error',
      param: 'image',
      code: 'invalid_image',
    });
    const tiny = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const small = await openAiErrorOf(await postForm(form({ prompt: 'Edit' }, [['image', tiny]])));
    expect(small.message).toBe(
      'image[0]: the image is 10x10 pixels; both sides must be larger than 14 pixels',
    );
    expect(await t.application.core.ledger.balance(t.accountId)).toEqual(before);
  });

  it('bounds files while they stream: size, count and emptiness', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 1);
    const tooBig = await openAiErrorOf(await postForm(form({ prompt: 'Edit' }, [['image', big]])));
    expect(tooBig).toMatchObject({ param: 'image', code: 'image_too_large' });
    expect(tooBig.message).toBe('image[0]: the image is larger than 10 MB');

    const eleven = Array.from({ length: 11 }, (): [string, Buffer] => ['image[]', red]);
    const many = await openAiErrorOf(await postForm(form({ prompt: 'Edit' }, eleven)));
    expect(many).toMatchObject({ param: 'image', code: 'too_many_images' });
    expect(many.message).toBe('image: at most 10 images are accepted');

    const empty = await openAiErrorOf(
      await postForm(form({ prompt: 'Edit' }, [['image', Buffer.alloc(0)]])),
    );
    expect(empty.message).toBe('image[0]: the file is empty');
  });

  it.each([
    [{ prompt: 'Edit', colour: 'red' }, 'colour', 'unknown_parameter'],
    [{ prompt: 'Edit', n: 'two' }, 'n', 'invalid_type'],
    [{ prompt: 'Edit', n: '7' }, 'n', 'invalid_value'],
    [{ prompt: 'Edit', stream: 'maybe' }, 'stream', 'invalid_type'],
    [{ prompt: 'Edit', input_fidelity: 'high' }, 'input_fidelity', 'unsupported_parameter'],
    [{ prompt: 'Edit', model: 'gpt-image-1' }, 'model', 'model_not_found'],
    [{ n: '1' }, 'prompt', 'missing_required_parameter'],
  ])('refuses text fields %j naming %s', async (fields, param, code) => {
    const res = await postForm(form(fields, [['image', red]]));
    expect(res.status).toBe(400);
    expect(await openAiErrorOf(res)).toMatchObject({ param, code });
  });

  it('refuses a repeated text field, an image sent as text, and a missing image', async () => {
    const twice = new FormData();
    twice.append('prompt', 'one');
    twice.append('prompt', 'two');
    twice.append('image', new Blob([new Uint8Array(red)]), 'a.png');
    expect(await openAiErrorOf(await postForm(twice))).toMatchObject({
      param: 'prompt',
      code: 'duplicate_parameter',
    });
    const asText = await openAiErrorOf(
      await postForm(form({ prompt: 'Edit', image: 'https://example.com/a.png' }, [])),
    );
    expect(asText).toMatchObject({ param: 'image', code: 'invalid_type' });
    expect(asText.message).toContain('images: [{"image_url": ...}]');
    const none = await openAiErrorOf(await postForm(form({ prompt: 'Edit' }, [])));
    expect(none).toMatchObject({ param: 'image', code: 'missing_required_parameter' });
  });

  it('refuses a malformed multipart body and other content types', async () => {
    // Without a boundary the type cannot be read at all: refused before the body is.
    const noBoundary = await postForm('--x\r\n', { 'Content-Type': 'multipart/form-data' });
    expect(noBoundary.status).toBe(415);
    expect((await openAiErrorOf(noBoundary)).code).toBe('unsupported_media_type');
    const cut = await postForm('--xyz\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nhi', {
      'Content-Type': 'multipart/form-data; boundary=xyz',
    });
    expect(cut.status).toBe(400);
    expect((await openAiErrorOf(cut)).code).toBe('invalid_multipart');
    const text = await postForm('prompt=Edit', { 'Content-Type': 'text/plain' });
    expect(text.status).toBe(415);
  });

  it('streams image_edit events when asked', async () => {
    const res = await postForm(
      form({ prompt: 'Edit', stream: 'true', size: '1K' }, [['image', red]]),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    expect(text).toMatch(/^event: image_edit\.completed\ndata: \{"type":"image_edit\.completed"/);
  });
});

describe('JSON (images[].image_url)', () => {
  it('edits images given as data URLs', async () => {
    const body = await ok(
      await postJson(t, PATH, {
        prompt: 'Make it night',
        images: [{ image_url: dataUrl(red) }, { image_url: dataUrl(blue) }],
        size: '1536x1024',
      }),
    );
    const { bytes } = await fetchImage(t, body.data[0]!.url!);
    expect((await sharp(bytes).metadata()).width).toBe(1536);
    expect((await lastGeneration()).blend).toBe(1);
  });

  it('fetches URLs only through the guarded client: internal addresses are refused', async () => {
    const res = await postJson(t, PATH, {
      prompt: 'Make it night',
      images: [{ image_url: dataUrl(red) }, { image_url: 'http://127.0.0.1:9/a.png' }],
    });
    expect(res.status).toBe(400);
    expect(await openAiErrorOf(res)).toEqual({
      message: 'images[1]: images may not reference internal addresses',
      type: 'invalid_request_error',
      param: 'images',
      code: 'invalid_image',
    });
  });

  it.each([
    [{ images: [{ file_id: 'file-abc' }] }, 'images[0].file_id', 'unsupported_parameter'],
    [{ images: [{}] }, 'images[0].image_url', 'missing_required_parameter'],
    [{ images: [] }, 'images', 'invalid_value'],
    [{ images: 'x' }, 'images', 'invalid_type'],
    [{ images: [{ image_url: 'ftp://a/b.png' }] }, 'images', 'invalid_image'],
    [
      { images: [{ image_url: 'data:image/png;base64,AAAA' }], mask: { image_url: 'x' } },
      'mask',
      'unsupported_parameter',
    ],
    [
      { images: [{ image_url: 'data:image/png;base64,AAAA', detail: 'high' }] },
      'images[0].detail',
      'unknown_parameter',
    ],
  ])('refuses %j naming %s', async (extra, param, code) => {
    const res = await postJson(t, PATH, { prompt: 'Edit', ...extra });
    expect(res.status).toBe(400);
    expect(await openAiErrorOf(res)).toMatchObject({ param, code });
  });
});
