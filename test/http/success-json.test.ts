import { describe, expect, it } from 'vitest';
import type { GenerateImageRequest } from '../../src/contract/generate-image.ts';
import { successBody, successJson } from '../../src/http/routes/generate-image.ts';

const image = (id: string, data?: Buffer) => ({
  id,
  ext: 'jpg',
  contentType: 'image/jpeg',
  width: 2048,
  height: 1152,
  bytes: data?.length ?? 10,
  etag: '"x"',
  storageKey: `${id}.jpg`,
  provenance: { xmp: true, c2pa: true, digitalSourceType: undefined },
  ...(data ? { data } : {}),
});

describe('successJson', () => {
  it.each([
    'A beautiful sunset over mountains',
    'quotes " and \\ backslashes, newlines\nand tabs\t',
    'emoji 🌅 and \u2028 line separators \u2029, control \u0001',
    '</script><script>alert(1)</script>',
  ])('is byte-identical to JSON.stringify of the response body (%s)', (prompt) => {
    const request = { prompt, model: 'seedream-4-5-251128' } as GenerateImageRequest;
    const result = {
      generationId: 'gen_abc',
      images: [
        image('A'.repeat(24), Buffer.from([0xff, 0xd8, 0xff, 0, 1, 2, 250])),
        image('B'.repeat(24)),
      ],
      generationTimeMs: 3420,
      creditsUsed: 8,
    };
    const text = new TextDecoder().decode(successJson(result, request, 'http://x.test'));
    expect(text).toBe(JSON.stringify(successBody(result, request, 'http://x.test')));
    expect(JSON.parse(text).data.prompt).toBe(prompt);
  });
});
