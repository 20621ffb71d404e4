import { execFile } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../sdk/test/helpers/server.ts';
import { BIN, buildCli, NODE, tempDir } from './helpers/run.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The quick-start lines, as a user would paste them. */
function quickStart(): string[] {
  const block = /<!-- tested:[^>]*-->\n```sh\n([\s\S]*?)```/.exec(README)?.[1];
  if (!block) throw new Error('no tested block in the README');
  return block.trimEnd().split('\n');
}

/** The README's sample output of `generate`. */
function sampleOutput(): string {
  return /```text\n([\s\S]*?)```/.exec(README)![1]!;
}

/** Digits, ids and the date-time stamp vary; the shape of each line must not. */
const shape = (text: string) =>
  text
    .replace(/gen_\w+/g, 'gen_ID')
    .replace(/\d+(\.\d+)?/g, '9')
    .trimEnd();

let server: TestServer;
beforeAll(async () => {
  buildCli();
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('README quick start', () => {
  it('runs line by line in a shell, using only what login saved', async () => {
    const cwd = tempDir();
    const bin = tempDir();
    writeFileSync(join(bin, 'goodtake'), `#!/bin/sh\nexec "${NODE}" "${BIN}" "$@"\n`);
    chmodSync(join(bin, 'goodtake'), 0o755);
    await sharp({ create: { width: 300, height: 200, channels: 3, background: '#c86432' } })
      .png()
      .toFile(join(cwd, 'photo.png'));
    const config = join(tempDir(), 'config.json');
    const env = { PATH: `${bin}:${process.env.PATH}`, HOME: tempDir(), GOODTAKE_CONFIG: config };

    const outputs: string[] = [];
    for (const line of quickStart()) {
      const command = line
        .replace('gt_your_api_key_here', server.key)
        .replace('http://localhost:8080', server.url);
      const { code, stdout, stderr } = await new Promise<{
        code: number;
        stdout: string;
        stderr: string;
      }>((resolve) =>
        execFile('/bin/sh', ['-c', command], { cwd, env }, (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: unknown }).code) : 0, stdout, stderr }),
        ),
      );
      expect({ line, code, error: /^goodtake:/m.test(stderr) }).toEqual({
        line,
        code: 0,
        error: false,
      });
      outputs.push(stdout);
    }

    expect(shape(outputs[1]!)).toBe(shape(sampleOutput()));
    expect(readdirSync(join(cwd, 'forest'))).toHaveLength(2);
    const [edited] = readdirSync(cwd).filter((f) => f.startsWith('turn-this-into'));
    const meta = await sharp(join(cwd, edited!)).metadata();
    expect([meta.width, meta.height]).toEqual([2560, 1440]);
    expect(JSON.parse(outputs[4]!).data.prompt).toBe('A futuristic robot in a laboratory');
    expect(outputs[5]).toContain('available');
    expect(outputs[6]).toMatch(/^CREATED/);
    expect(existsSync(config)).toBe(false);
  });
});
