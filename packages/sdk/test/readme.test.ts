import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ensureBuilt, NODE } from './helpers/build.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

const PKG = new URL('../', import.meta.url).pathname;
const README = readFileSync(join(PKG, 'README.md'), 'utf8');

/** The README's `<!-- example: FILE -->` blocks: the file named and the code shown. */
function examplesInReadme(): Array<{ file: string; code: string }> {
  const blocks = README.matchAll(/<!-- example: (\S+) -->\n```ts\n([\s\S]*?)```/g);
  return [...blocks].map((m) => ({ file: m[1]!, code: m[2]! }));
}

/** Runs an example as a user would: Node 24, importing the built package by name. */
async function runExample(file: string, env: Record<string, string>, cwd: string) {
  try {
    const { stdout, stderr } = await promisify(execFile)(NODE, [join(PKG, file)], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('README examples', () => {
  it('shows each examples/ file verbatim', () => {
    const shown = examplesInReadme();
    const files = readdirSync(join(PKG, 'examples')).map((f) => `examples/${f}`);
    expect(shown.map((b) => b.file).sort()).toEqual(files.sort());
    for (const { file, code } of shown) expect(code).toBe(readFileSync(join(PKG, file), 'utf8'));
  });

  describe('run against a real server', () => {
    let server: TestServer;
    let env: Record<string, string>;
    beforeAll(async () => {
      ensureBuilt(['sdk']);
      server = await startTestServer();
      env = { GOODTAKE_API_KEY: server.key, GOODTAKE_BASE_URL: server.url };
    });
    afterAll(() => server.stop());

    it('quickstart.ts saves two 2560x1440 images and prints the credits', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'goodtake-quickstart-'));
      onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
      const run = await runExample('examples/quickstart.ts', env, cwd);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^sunset-1\.jpg: 2560x1440 http/m);
      expect(run.stdout).toMatch(/^Used 8 credits in \d+ ms$/m);
      for (const f of ['sunset-1.jpg', 'sunset-2.jpg']) {
        const meta = await sharp(join(cwd, f)).metadata();
        expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 2560, 1440]);
      }
    });

    it('usage.ts totals the last day across pages', async () => {
      const run = await runExample('examples/usage.ts', env, PKG);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Last 24 h: \d+ images, \d+ credits\. \d+ available\.$/m);
    });

    it('errors.ts succeeds once, replays on a re-run, and explains a refusal', async () => {
      const first = await runExample('examples/errors.ts', env, PKG);
      const again = await runExample('examples/errors.ts', env, PKG);
      expect(first.code).toBe(0);
      expect(again.stdout).toBe(first.stdout);
      const poor = await startTestServer({ GOODTAKE_STARTING_CREDITS: '1' });
      try {
        const refused = await runExample(
          'examples/errors.ts',
          { GOODTAKE_API_KEY: poor.key, GOODTAKE_BASE_URL: poor.url },
          PKG,
        );
        expect(refused.code).toBe(1);
        expect(refused.stderr).toBe('Out of credits: top up, then run this again.\n');
      } finally {
        await poor.stop();
      }
    });
  });
});
