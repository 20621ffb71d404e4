import { crc32 } from 'node:zlib';
import type { EmbedOutcome } from './embed.ts';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** iTXt keyword of XMP, then compression flag 0, method 0, empty language and translated keyword. */
const XMP_ITXT_PREFIX = Buffer.from('XML:com.adobe.xmp\0\0\0\0\0', 'latin1');
const ITXT_KEYWORD = Buffer.from('XML:com.adobe.xmp\0', 'latin1');

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * Puts the packet into a PNG as an uncompressed iTXt chunk right after IHDR (where XMP readers
 * look first) and drops any XMP chunk the file had; image data chunks are copied unchanged.
 * Walks chunk headers only, each hop at least twelve bytes forward.
 */
export function embedXmpInPng(input: Uint8Array, packet: Buffer): EmbedOutcome {
  if (input.length < 33 || !SIGNATURE.equals(input.subarray(0, 8))) {
    return { ok: false, reason: 'not a PNG (no signature)' };
  }
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const kept: Uint8Array[] = [];
  let pos = 8;
  let sawEnd = false;
  while (pos < bytes.length) {
    if (pos + 12 > bytes.length) return { ok: false, reason: `truncated PNG chunk at byte ${pos}` };
    const length = bytes.readUInt32BE(pos);
    const type = bytes.toString('latin1', pos + 4, pos + 8);
    const end = pos + 12 + length;
    if (length > 0x7fffffff || end > bytes.length) {
      return { ok: false, reason: `truncated PNG chunk at byte ${pos}` };
    }
    if (kept.length === 0 && type !== 'IHDR')
      return { ok: false, reason: 'PNG without IHDR first' };
    const isXmp =
      type === 'iTXt' &&
      ITXT_KEYWORD.equals(bytes.subarray(pos + 8, pos + 8 + ITXT_KEYWORD.length));
    if (!isXmp) kept.push(bytes.subarray(pos, end));
    pos = end;
    if (type === 'IEND') {
      sawEnd = true;
      break;
    }
  }
  if (!sawEnd) return { ok: false, reason: 'PNG without IEND' };
  const xmp = chunk('iTXt', Buffer.concat([XMP_ITXT_PREFIX, packet]));
  return {
    ok: true,
    bytes: Buffer.concat([SIGNATURE, kept[0]!, xmp, ...kept.slice(1), bytes.subarray(pos)]),
  };
}
