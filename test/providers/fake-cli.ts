import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach } from 'vitest';

let child: ChildProcess | undefined;
afterEach(() => {
  if (child?.exitCode === null) child.kill('SIGTERM');
  child = undefined;
});

/**
 * Starts a fake's command line and resolves with the base URL and credential it prints
 * (`base URL …`, and `API key: …` or `API token: …`); rejects when it exits first.
 */
export function startFakeCli(
  script: string,
  args: string[],
): Promise<{ url: string; key: string }> {
  child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child?.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /base URL (\S+)/.exec(out)?.[1];
      const key = /API (?:key|token): (\S+)/.exec(out)?.[1];
      if (url && key) resolve({ url, key });
    });
    child?.once('exit', (code) => reject(new Error(`cli exited with ${code}: ${out}`)));
  });
}
