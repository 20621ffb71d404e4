import type { EmbedOutcome } from './embed.ts';

/** The APP1 identifier of an XMP packet, and of the extended-XMP segments that continue one. */
const XMP_ID = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');
const EXTENDED_XMP_ID = Buffer.from('http://ns.adobe.com/xmp/extension/\0', 'latin1');
const EXIF_ID = Buffer.from('Exif\0\0', 'latin1');
const MAX_SEGMENT_DATA = 0xffff - 2;

const startsWith = (bytes: Uint8Array, at: number, prefix: Buffer) =>
  at + prefix.length <= bytes.length && prefix.equals(bytes.subarray(at, at + prefix.length));

/**
 * Puts the packet into a JPEG as its one XMP APP1 segment, after the JFIF/Exif headers, and
 * drops any XMP segment the file had: the entropy-coded image data is copied unchanged. Walks
 * only the marker segments before the first scan, each hop at least four bytes forward.
 */
export function embedXmpInJpeg(input: Uint8Array, packet: Buffer): EmbedOutcome {
  if (input.length < 4 || input[0] !== 0xff || input[1] !== 0xd8) {
    return { ok: false, reason: 'not a JPEG (no SOI marker)' };
  }
  if (XMP_ID.length + packet.length > MAX_SEGMENT_DATA) {
    return { ok: false, reason: 'the XMP packet does not fit one APP1 segment' };
  }
  const kept: Uint8Array[] = [input.subarray(0, 2)];
  let insertAt = 1; // index into `kept` after which our segment goes
  let pos = 2;
  for (;;) {
    if (pos + 4 > input.length || input[pos] !== 0xff) {
      return { ok: false, reason: `malformed JPEG marker at byte ${pos}` };
    }
    const marker = input[pos + 1]!;
    if (marker === 0xff) {
      pos += 1; // fill byte
      continue;
    }
    // Start of scan (or anything but APPn/COM/tables): the rest is copied as it is.
    if (marker === 0xda || marker === 0xd9) break;
    const length = (input[pos + 2]! << 8) | input[pos + 3]!;
    if (length < 2 || pos + 2 + length > input.length) {
      return { ok: false, reason: `truncated JPEG segment at byte ${pos}` };
    }
    const end = pos + 2 + length;
    const data = pos + 4;
    const isXmp =
      marker === 0xe1 &&
      (startsWith(input, data, XMP_ID) || startsWith(input, data, EXTENDED_XMP_ID));
    if (!isXmp) {
      kept.push(input.subarray(pos, end));
      const header = marker === 0xe0 || (marker === 0xe1 && startsWith(input, data, EXIF_ID));
      if (header && insertAt === kept.length - 1) insertAt = kept.length;
    }
    pos = end;
  }
  const segmentLength = 2 + XMP_ID.length + packet.length;
  const header = Buffer.from([0xff, 0xe1, segmentLength >> 8, segmentLength & 0xff]);
  const parts = [
    ...kept.slice(0, insertAt),
    header,
    XMP_ID,
    packet,
    ...kept.slice(insertAt),
    input.subarray(pos),
  ];
  return { ok: true, bytes: Buffer.concat(parts) };
}
