import type { EmbedOutcome } from './embed.ts';

const XMP_FLAG = 0x04;
const ALPHA_FLAG = 0x10;

function riffChunk(fourcc: string, data: Uint8Array): Buffer {
  const pad = data.length & 1;
  const out = Buffer.alloc(8 + data.length + pad);
  out.write(fourcc, 0, 'latin1');
  out.writeUInt32LE(data.length, 4);
  out.set(data, 8);
  return out;
}

/** The VP8X header a simple (VP8/VP8L-only) file needs before it may carry metadata. */
function vp8xFor(first: { fourcc: string; data: Buffer }): Buffer | undefined {
  let width: number;
  let height: number;
  let alpha = false;
  const d = first.data;
  if (first.fourcc === 'VP8 ') {
    // Frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height.
    if (d.length < 10 || d[3] !== 0x9d || d[4] !== 0x01 || d[5] !== 0x2a) return undefined;
    width = d.readUInt16LE(6) & 0x3fff;
    height = d.readUInt16LE(8) & 0x3fff;
  } else if (first.fourcc === 'VP8L') {
    // Signature 0x2f, then width-1 (14 bits), height-1 (14 bits), alpha_is_used (1 bit).
    if (d.length < 5 || d[0] !== 0x2f) return undefined;
    const bits = d.readUInt32LE(1);
    width = (bits & 0x3fff) + 1;
    height = ((bits >>> 14) & 0x3fff) + 1;
    alpha = ((bits >>> 28) & 1) === 1;
  } else {
    return undefined;
  }
  if (width === 0 || height === 0) return undefined;
  const data = Buffer.alloc(10);
  data[0] = XMP_FLAG | (alpha ? ALPHA_FLAG : 0);
  data.writeUIntLE(width - 1, 4, 3);
  data.writeUIntLE(height - 1, 7, 3);
  return riffChunk('VP8X', data);
}

/**
 * Puts the packet into a WebP as its `XMP ` chunk (the last chunk, as the container
 * specification orders them) and sets the VP8X XMP flag, adding a VP8X header to a simple
 * file; image chunks are copied unchanged. Walks chunk headers only.
 */
export function embedXmpInWebp(input: Uint8Array, packet: Buffer): EmbedOutcome {
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (
    bytes.length < 20 ||
    bytes.toString('latin1', 0, 4) !== 'RIFF' ||
    bytes.toString('latin1', 8, 12) !== 'WEBP'
  ) {
    return { ok: false, reason: 'not a WebP (no RIFF/WEBP header)' };
  }
  const riffEnd = 8 + bytes.readUInt32LE(4);
  if (riffEnd > bytes.length) return { ok: false, reason: 'truncated WebP (RIFF size)' };
  const chunks: Array<{ fourcc: string; data: Buffer; raw: Buffer }> = [];
  let pos = 12;
  while (pos < riffEnd) {
    if (pos + 8 > riffEnd) return { ok: false, reason: `truncated WebP chunk at byte ${pos}` };
    const fourcc = bytes.toString('latin1', pos, pos + 4);
    const size = bytes.readUInt32LE(pos + 4);
    const end = pos + 8 + size + (size & 1);
    if (pos + 8 + size > riffEnd)
      return { ok: false, reason: `truncated WebP chunk at byte ${pos}` };
    chunks.push({
      fourcc,
      data: bytes.subarray(pos + 8, pos + 8 + size),
      raw: bytes.subarray(pos, Math.min(end, riffEnd)),
    });
    pos = end;
  }
  const first = chunks[0];
  if (!first) return { ok: false, reason: 'WebP without chunks' };
  const parts: Buffer[] = [];
  if (first.fourcc === 'VP8X') {
    if (first.data.length < 10) return { ok: false, reason: 'malformed VP8X chunk' };
    const vp8x = Buffer.from(first.raw);
    vp8x[8] = vp8x[8]! | XMP_FLAG;
    parts.push(vp8x);
  } else {
    const vp8x = vp8xFor(first);
    if (!vp8x) return { ok: false, reason: `unexpected first WebP chunk ${first.fourcc}` };
    parts.push(vp8x, first.raw);
  }
  for (const c of chunks.slice(1)) if (c.fourcc !== 'XMP ') parts.push(c.raw);
  parts.push(riffChunk('XMP ', packet));
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(4 + body.length, 4);
  header.write('WEBP', 8, 'latin1');
  return { ok: true, bytes: Buffer.concat([header, body]) };
}
