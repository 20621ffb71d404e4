#!/usr/bin/env node
// Launcher for the goodtake CLI. goodtake runs its TypeScript sources directly on Node 24
// (type stripping). On a machine whose system Node is older, `npm install` puts Node 24 into
// node_modules (the `node` package) and this launcher re-executes itself with it, forwarding
// signals so that graceful shutdown still works. Plain JavaScript, so old Node can parse it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const major = Number(process.versions.node.split('.')[0]);
const script = fileURLToPath(import.meta.url);

// V8 flags `goodtake serve` runs with unless the operator set them (on the command line or in
// NODE_OPTIONS): a young generation of at most 8 MB per semi-space instead of V8's default of
// up to 32 MB. Thousands of generations waiting on the upstream keep their objects alive past
// a scavenge either way; the smaller nursery costs no measurable CPU and holds 100-160 MB less
// at the peak with 2,000-5,000 in flight (docs/performance.md, scenario 3).
const SERVER_V8_FLAGS = ['--max-semi-space-size=8'];

function missingServerFlags() {
  if (process.argv.slice(2).find((a) => !a.startsWith('-')) !== 'serve') return [];
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return SERVER_V8_FLAGS.filter((flag) => {
    const name = flag.split('=')[0];
    return !given.some((g) => g === name || g.startsWith(`${name}=`));
  });
}

const missing = missingServerFlags();
if (major >= 24 && missing.length > 0 && typeof process.execve === 'function') {
  // Replaces this process (same pid, so signals and supervisors are unaffected).
  process.execve(
    process.execPath,
    [process.execPath, ...missing, ...process.execArgv, script, ...process.argv.slice(2)],
    process.env,
  );
}

if (major >= 24) {
  // Node's on-disk compile cache keeps the type-stripped sources and V8's code cache between
  // runs (in the OS temp dir, keyed by file contents; NODE_COMPILE_CACHE moves it and
  // NODE_DISABLE_COMPILE_CACHE=1 turns it off): a warm admin command or server start then spends
  // about a third less CPU loading modules (bench scenario 12).
  const { enableCompileCache } = await import('node:module');
  enableCompileCache?.();
  const { main } = await import('../src/cli/main.ts');
  await main();
} else {
  const local = join(here, '..', 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(local)) {
    process.stderr.write(
      `goodtake needs Node.js 24 or newer (this is ${process.version}). Run \`npm install\` in ` +
        'the goodtake folder first: it installs Node 24 locally.\n',
    );
    process.exit(1);
  }
  const child = spawn(local, [...missing, script, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
