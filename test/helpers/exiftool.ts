// exiftool (Debian's libimage-exiftool-perl; .ci/run installs it when missing) reading image
// bytes: an XMP and C2PA reader no one here wrote. Tests that need it skip with a notice when
// the machine has none.
import { spawnSync } from 'node:child_process';

export const hasExiftool = spawnSync('exiftool', ['-ver'], { stdio: 'ignore' }).status === 0;
if (!hasExiftool) {
  console.warn(
    'notice: exiftool not found: provenance metadata checks that read images with it are SKIPPED (apt-get install -y libimage-exiftool-perl)',
  );
}

/** Every tag exiftool finds in the bytes, as `Group:Tag` → value (`-G1 -j`, numeric values). */
export function exiftool(bytes: Uint8Array): Record<string, unknown> {
  const result = spawnSync('exiftool', ['-j', '-G1', '-a', '-n', '-'], {
    input: bytes,
    maxBuffer: 16 * 1024 * 1024,
    timeout: 20_000,
  });
  if (result.status !== 0) {
    throw new Error(`exiftool failed (${result.status}): ${result.stderr.toString()}`);
  }
  const [tags] = JSON.parse(result.stdout.toString()) as [Record<string, unknown>];
  return tags;
}
