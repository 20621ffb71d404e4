import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
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

// Every directory handed out is removed when the test file finishes (modules are evaluated
// once per test file, so this hook belongs to the file that imported the helper).
const created: string[] = [];
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test file. */
export function tempDir(prefix = 'goodtake-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
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
