const DATA_URI = /^data:([^;,]*)(;[^,]*)?,(.*)$/s;

/** Decodes a `data:<type>;base64,<payload>` URI (or bare base64) without Node's Buffer. */
export function decodeDataUri(value: string): { bytes: Uint8Array; contentType: string } {
  const match = DATA_URI.exec(value);
  const payload = match ? match[3]! : value;
  const contentType = match?.[1] || 'application/octet-stream';
  if (match && !match[2]?.split(';').includes('base64')) {
    return { bytes: new TextEncoder().encode(decodeURIComponent(payload)), contentType };
  }
  const binary = atob(payload.replace(/\s+/g, ''));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return { bytes, contentType };
}
