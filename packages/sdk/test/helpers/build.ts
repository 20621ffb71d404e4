import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** Node 24, from the root's `node` dependency (the system node may be older). */
export const NODE = join(ROOT, 'node_modules/node/bin/node');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

type Pkg = 'sdk' | 'cli';

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
}

function stamp(pkg: Pkg): string {
  return join(ROOT, 'packages', pkg, 'dist', '.built');
}

function isStale(pkg: Pkg): boolean {
  const dir = join(ROOT, 'packages', pkg);
  let built: number;
  try {
    built = statSync(stamp(pkg)).mtimeMs;
  } catch {
    return true;
  }
  const inputs = ['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];
  return inputs.some((f) => newestMtime(join(dir, f)) > built);
}

/**
 * Builds the packages' `dist` (what users run) when it is missing or older than its sources,
 * so tests of built artefacts never run stale code. Parallel test files take turns through a
 * lock directory.
 */
export function ensureBuilt(pkgs: readonly Pkg[] = ['sdk', 'cli']): void {
  const lock = join(tmpdir(), `goodtake-build-${Buffer.from(ROOT).toString('hex').slice(-24)}`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`build lock ${lock} held for 2 minutes`);
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true });
      } catch {
        // Another process removed it first.
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    for (const pkg of pkgs) {
      if (!isStale(pkg)) continue;
      try {
        execFileSync(NODE, [TSC, '-p', join(ROOT, 'packages', pkg, 'tsconfig.build.json')], {
          stdio: 'pipe',
        });
      } catch (err) {
        const out = String((err as { stdout?: Buffer }).stdout ?? '');
        throw new Error(`building packages/${pkg} failed:\n${out}`);
      }
      if (pkg === 'cli') chmodSync(join(ROOT, 'packages/cli/dist/bin.js'), 0o755);
      writeFileSync(stamp(pkg), new Date().toISOString());
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
