// Preloaded with `--import` by lazy-imports.test.ts: records the URL of every module the
// process resolves (ES imports, dynamic imports and CommonJS requires alike) and writes them,
// one per line, to the file named by GOODTAKE_TEST_MODULE_LOG when the process exits.
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const file = process.env.GOODTAKE_TEST_MODULE_LOG;
if (file) {
  const seen = new Set<string>();
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      seen.add(resolved.url);
      return resolved;
    },
  });
  process.on('exit', () => writeFileSync(file, [...seen].join('\n')));
}
