/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, e.g. from `npm run bench -- --cpu-prof`):
 * self and inclusive time of the top functions, and self time by file/package.
 *
 *   node bench/profile-summary.ts bench/results/profiles/<run>/scenario-1/CPU.*.cpuprofile [--top 30]
 *   [--focus <substring>]   inclusive time only of samples whose stack contains a frame matching
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface Summary {
  readonly totalMs: number;
  readonly idleMs: number;
  readonly self: Array<{ frame: string; ms: number }>;
  readonly inclusive: Array<{ frame: string; ms: number }>;
  readonly byFile: Array<{ file: string; ms: number }>;
}

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
}

export function summarize(profile: Profile, focus?: string): Summary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const frameOf = (n: ProfileNode) => {
    const f = n.callFrame;
    return `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(profile.samples[i]!)!;
    const name = node.callFrame.functionName;
    if (name === '(idle)' || name === '(program)') {
      if (name === '(idle)') idle += dt;
      if (name === '(idle)') continue;
    }
    const stack: ProfileNode[] = [];
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      stack.push(byId.get(id)!);
    }
    if (focus && !stack.some((n) => frameOf(n).includes(focus))) continue;
    total += dt;
    const f = frameOf(node);
    self.set(f, (self.get(f) ?? 0) + dt);
    const file = shortUrl(node.callFrame.url);
    byFile.set(file, (byFile.get(file) ?? 0) + dt);
    const seen = new Set<string>();
    for (const n of stack) {
      const k = frameOf(n);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  }
  const sorted = <K extends string>(m: Map<string, number>, key: K) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, ms]) => ({ [key]: k, ms }) as { [P in K]: string } & { ms: number });
  return {
    totalMs: total,
    idleMs: idle,
    self: sorted(self, 'frame'),
    inclusive: sorted(inclusive, 'frame'),
    byFile: sorted(byFile, 'file'),
  };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    options: { top: { type: 'string', default: '30' }, focus: { type: 'string' } },
    allowPositionals: true,
  });
  const top = Number(values.top);
  for (const file of positionals) {
    const s = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, values.focus);
    const pct = (ms: number) => `${((100 * ms) / s.totalMs).toFixed(1).padStart(5)} %`;
    const line = (ms: number, what: string) =>
      `${ms.toFixed(0).padStart(8)} ms ${pct(ms)}  ${what}`;
    console.log(`${file}\n  busy ${s.totalMs.toFixed(0)} ms, idle ${s.idleMs.toFixed(0)} ms`);
    console.log('\n  self time by file / package');
    for (const f of s.byFile.slice(0, top)) console.log(`  ${line(f.ms, f.file)}`);
    console.log('\n  self time by function');
    for (const f of s.self.slice(0, top)) console.log(`  ${line(f.ms, f.frame)}`);
    console.log('\n  inclusive time by function');
    for (const f of s.inclusive.slice(0, top)) console.log(`  ${line(f.ms, f.frame)}`);
    console.log('');
  }
}
