import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../sdk/test/helpers/server.ts';
import { buildCli, goodtake, tempDir } from './helpers/run.ts';

let server: TestServer;
let env: Record<string, string>;
beforeAll(async () => {
  buildCli();
  server = await startTestServer();
  env = { GOODTAKE_API_KEY: server.key, GOODTAKE_BASE_URL: server.url };
});
afterAll(() => server.stop());

describe('asynchronous generations from the command line', () => {
  it('generate --async prints the id; generations watch shows progress and saves the images', async () => {
    const submitted = await goodtake(
      [
        'generate',
        'A slow harbour [[offline:delay-index=1:400]]',
        '-n',
        '2',
        '--size',
        '1K',
        '--async',
      ],
      { env },
    );
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.trim();
    expect(id).toMatch(/^gen_\w+$/);
    expect(submitted.stderr).toContain(`goodtake generations watch ${id}`);

    const cwd = tempDir();
    const watched = await goodtake(['generations', 'watch', id, '--out', 'renders'], { env, cwd });
    expect(watched.code).toBe(0);
    // Not a terminal: one progress line per event, ending with both images.
    expect(watched.stderr).toMatch(/\] 2\/2 images/);
    expect(watched.stdout).toContain('Saved 2 images:');
    expect(readdirSync(`${cwd}/renders`)).toHaveLength(2);
    expect(watched.stdout).toContain(`${id} succeeded: 2 image(s), 8 credits`);

    const got = await goodtake(['generations', 'get', id, '--json'], { env });
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout).status).toBe('succeeded');
    const text = await goodtake(['generations', 'get', id], { env });
    expect(text.stdout).toContain(`${id}: succeeded`);
  });

  it('exits 3 for a failed generation and for an unknown id', async () => {
    const submitted = await goodtake(
      ['generate', 'Refused [[offline:content_policy]]', '--size', '1K', '--async'],
      { env },
    );
    const id = submitted.stdout.trim();
    const watched = await goodtake(['generations', 'watch', id, '--no-save'], { env });
    expect(watched.code).toBe(3);
    expect(watched.stdout).toContain('failed: content_policy_violation');
    const unknown = await goodtake(['generations', 'get', 'gen_000000000000000000000'], { env });
    expect(unknown.code).toBe(3);
    const missing = await goodtake(['generations', 'get'], { env });
    expect(missing.code).toBe(2);
  });
});
