import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROVIDER_PLUGINS } from '../src/providers/registry.ts';

// The root README repeats the SDK and CLI quick starts; the packages' own tests run those
// (the SDK example file against a real server, the CLI block line by line). These checks keep
// the copies here identical to what is run.
const ROOT = join(import.meta.dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const README = read('README.md');

describe('README', () => {
  it('shows the SDK quick start exactly as the tested example file', () => {
    const block =
      /<!-- example: packages\/sdk\/examples\/quickstart.ts -->\n```ts\n([\s\S]*?)```/.exec(
        README,
      )?.[1];
    expect(block).toBe(read('packages/sdk/examples/quickstart.ts'));
  });

  it('shows the CLI quick start exactly as the tested block of the CLI README', () => {
    const tested = /<!-- tested:[^>]*-->\n```sh\n([\s\S]*?)```/;
    const block = tested.exec(README)?.[1];
    expect(block).toBeDefined();
    expect(block).toBe(tested.exec(read('packages/cli/README.md'))?.[1]);
  });

  it('shows every examples/openai file verbatim (test/clients/examples.test.ts runs them)', () => {
    const shown = [
      ...README.matchAll(/<!-- example: (examples\/openai\/\S+) -->\n```\w+\n([\s\S]*?)```/g),
    ];
    const files = readdirSync(join(ROOT, 'examples', 'openai')).map((f) => `examples/openai/${f}`);
    expect(shown.map((m) => m[1]).sort()).toEqual(files.sort());
    for (const [, file, code] of shown) expect(code, file).toBe(read(file!));
  });

  it('documents every environment variable the server reads', () => {
    const config = read('src/config.ts');
    const names = [...config.matchAll(/^\s{2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) expect(README, name).toContain(`\`${name}\``);
  });

  it("documents every provider's environment variables", () => {
    for (const plugin of PROVIDER_PLUGINS) {
      // Each plugin's schema is an object of variables piped into its settings.
      const shape = (plugin.settingsSchema as unknown as { in: { shape: object } }).in.shape;
      const names = Object.keys(shape);
      expect(names.length, plugin.id).toBeGreaterThan(1);
      for (const name of names) expect(README, `${plugin.id} ${name}`).toContain(`\`${name}\``);
    }
  });
});
