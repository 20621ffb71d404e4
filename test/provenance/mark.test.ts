import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedImage } from '../../src/images/normalize.ts';
import { createLogger } from '../../src/log.ts';
import { openProvenance } from '../../src/provenance/open.ts';
import type { Provenance } from '../../src/provenance/provenance.ts';
import { readWithC2paRs, readWithC2paTs } from '../helpers/c2pa-readers.ts';
import { exiftool, hasExiftool } from '../helpers/exiftool.ts';

// The provenance step on each format a provider may return (ModelArk and the offline provider
// give JPEG; other upstreams give PNG or WebP), read back by tools no one here wrote.

const GENERATED = 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia';
const FORMATS = {
  jpeg: { contentType: 'image/jpeg', ext: 'jpg' },
  png: { contentType: 'image/png', ext: 'png' },
  webp: { contentType: 'image/webp', ext: 'webp' },
} as const;

let dataDir: string;
let provenance: Provenance;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'goodtake-mark-'));
  provenance = await openProvenance({
    config: { parts: { xmp: true, c2pa: true }, cert: undefined, key: undefined },
    dataDir,
    database: 'sqlite',
    version: '9.9.9',
    log: createLogger('silent'),
  });
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function image(format: keyof typeof FORMATS): Promise<NormalizedImage> {
  const bytes = await sharp({
    create: {
      width: 320,
      height: 200,
      channels: 4,
      background: { r: 20, g: 90, b: 200, alpha: 0.8 },
    },
  })
    .toFormat(format)
    .toBuffer();
  return { bytes, format, ...FORMATS[format], width: 320, height: 200 };
}

const context = {
  model: 'seedream-4-5-251128',
  provider: 'someupstream',
  sources: [],
  createdAt: new Date(),
  title: 'gen_x-0.png',
};

describe('the provenance step', () => {
  it.each(['jpeg', 'png', 'webp'] as const)(
    'marks a %s in place: same format, size and pixels, XMP and a valid manifest',
    async (format) => {
      const input = await image(format);
      const out = await provenance.mark(input, context);
      if (!out.ok) throw new Error(out.reason);
      const marked = out.image;
      expect(marked).toMatchObject({
        format,
        width: 320,
        height: 200,
        contentType: FORMATS[format].contentType,
      });
      expect(marked.provenance).toEqual({ xmp: true, c2pa: true, digitalSourceType: GENERATED });
      expect(await sharp(marked.bytes).raw().toBuffer()).toEqual(
        await sharp(input.bytes).raw().toBuffer(),
      );
      const rs = await readWithC2paRs(marked.bytes, FORMATS[format].contentType);
      expect(rs.state).toBe('Valid');
      expect(rs.failures).toEqual(['signingCredential.untrusted']);
      expect(rs.successes).toContain('assertion.dataHash.match');
      if (format !== 'webp') {
        const ts = await readWithC2paTs(marked.bytes);
        expect(ts.valid).toBe(true);
        expect(ts.actions[0]).toMatchObject({
          action: 'c2pa.created',
          digitalSourceType: GENERATED,
        });
      }
      if (hasExiftool) {
        const tags = exiftool(marked.bytes);
        expect(tags['XMP-iptcExt:DigitalSourceType']).toBe(GENERATED);
        expect(tags['XMP-xmp:CreatorTool']).toBe('goodtake 9.9.9');
      }
    },
  );

  it('re-marks an image that already carries goodtake marks (one manifest, one packet)', async () => {
    const first = await provenance.mark(await image('jpeg'), context);
    if (!first.ok) throw new Error(first.reason);
    const second = await provenance.mark(first.image, context);
    if (!second.ok) throw new Error(second.reason);
    const rs = await readWithC2paRs(second.image.bytes, 'image/jpeg');
    expect(rs.state).toBe('Valid');
    expect(second.image.bytes.toString('latin1').split('W5M0MpCehiHzreSzNTczkc9d')).toHaveLength(2);
  });
});
