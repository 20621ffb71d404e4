import { open } from 'node:fs/promises';
import { join } from 'node:path';

/** A short, readable file-name stem from a prompt: `a-red-kite-over-the-hills`. */
export function slugify(prompt: string, maxLength = 48): string {
  const words = prompt
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\[\[[^\]]*\]\]/g, ' ')
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let slug = '';
  for (const word of words) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > maxLength) break;
    slug = next;
  }
  return slug || words[0]?.slice(0, maxLength) || 'image';
}

/** Local time as `yyyymmdd-hhmmss`. */
export function timestamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

/**
 * Writes `bytes` as `<dir>/<stem>.<ext>`, or `<stem>-2.<ext>`, `-3`, ... when taken: an
 * existing file is never overwritten (the exclusive open makes that hold under races too).
 */
export async function writeNewFile(
  dir: string,
  stem: string,
  ext: string,
  bytes: Uint8Array,
): Promise<string> {
  for (let n = 1; ; n++) {
    const path = join(dir, `${stem}${n === 1 ? '' : `-${n}`}.${ext}`);
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, 'wx', 0o644);
    } catch (err) {
      if ((err as { code?: string }).code === 'EEXIST') continue;
      throw err;
    }
    try {
      await handle.writeFile(bytes);
    } finally {
      await handle.close();
    }
    return path;
  }
}

/** The file extension for an image, from its data URI type or URL. */
export function imageExtension(image: { url: string; base64?: string | undefined }): string {
  const type = /^data:image\/(png|jpeg|webp)/.exec(image.base64 ?? '')?.[1];
  if (type) return type === 'jpeg' ? 'jpg' : type;
  const ext = /\.(jpe?g|png|webp)(?:[?#]|$)/i.exec(image.url)?.[1]?.toLowerCase();
  return ext === undefined || ext === 'jpeg' ? 'jpg' : ext;
}

/** Rows as an aligned text table with a header line. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

/** `0.8 s`, `12.3 s`, `2 min 05 s`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * A one-line spinner with the elapsed time, redrawn in place on stderr. Does nothing unless
 * stderr is a terminal, so logs and pipes stay clean.
 */
export function startProgress(
  write: (text: string) => void,
  enabled: boolean,
  label: string,
): { stop(): void } {
  if (!enabled) return { stop() {} };
  const started = Date.now();
  let frame = 0;
  const draw = () => {
    write(
      `\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${label} ${formatDuration(Date.now() - started)}`,
    );
  };
  draw();
  const timer = setInterval(draw, 100);
  return {
    stop() {
      clearInterval(timer);
      write('\r\x1b[2K');
    },
  };
}
