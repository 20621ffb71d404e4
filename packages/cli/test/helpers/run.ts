import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, NODE, ROOT } from '../../../sdk/test/helpers/build.ts';

export { NODE, ROOT };
/** The built standalone binary. */
export const BIN = join(ROOT, 'packages/cli/dist/bin.js');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Builds the SDK and CLI if their dist is stale (call in beforeAll). */
export function buildCli(): void {
  ensureBuilt(['sdk', 'cli']);
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'goodtake-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Runs `node dist/bin.js ...args` as a user's shell would, with only the given environment
 * (plus PATH, and HOME pointing at a scratch dir so no real config file is read).
 */
export function goodtake(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      NODE,
      [BIN, ...args],
      {
        cwd: options.cwd ?? tempDir(),
        env: { PATH: process.env.PATH ?? '', HOME: tempDir('goodtake-home-'), ...options.env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: unknown }).code as number) : 0;
        resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
  });
}
