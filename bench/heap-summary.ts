/**
 * Summarises a V8 heap snapshot (`--heapsnapshot-signal`, e.g. `bench/in-flight-probe.ts
 * --heap-snapshot`): objects and self size by constructor (closures by function name and
 * script:line), largest first; with `--per N`, also per request of N in flight.
 *
 *   node --max-old-space-size=4000 bench/heap-summary.ts <file.heapsnapshot> [--top 40] [--per 2000]
 *   [--minus <idle.heapsnapshot>]   only what the first has beyond the second (by group)
 *   [--retainers <text>]   also what holds the objects whose group contains <text>
 *   [--holds <text>]      also what the objects whose group contains <text> point to
 *   [--strings]            also the largest groups of strings by their first 60 characters
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: {
    top: { type: 'string', default: '40' },
    per: { type: 'string' },
    retainers: { type: 'string' },
    holds: { type: 'string' },
    minus: { type: 'string' },
    strings: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
      location_fields?: string[];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
  locations?: number[];
}

type Groups = Map<string, { n: number; bytes: number }>;

function load(path: string) {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const { meta } = snap.snapshot;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const iType = meta.node_fields.indexOf('type');
  const iName = meta.node_fields.indexOf('name');
  const iSize = meta.node_fields.indexOf('self_size');
  const iEdges = meta.node_fields.indexOf('edge_count');
  const eType = meta.edge_fields.indexOf('type');
  const eName = meta.edge_fields.indexOf('name_or_index');
  const eTo = meta.edge_fields.indexOf('to_node');
  const { nodes, edges, strings } = snap;
  const count = nodes.length / nf;

  // Where each closure was defined: locations are [object_index, script_id, line, column].
  const place = new Map<number, string>();
  if (snap.locations && meta.location_fields) {
    const lf = meta.location_fields.length;
    for (let i = 0; i < snap.locations.length; i += lf) {
      const [at, script, line] = snap.locations.slice(i, i + 3) as [number, number, number];
      place.set(at / nf, `s${script}:${line + 1}`);
    }
  }
  const type = (n: number) => nodeTypes[nodes[n * nf + iType]!]!;
  const name = (n: number) => strings[nodes[n * nf + iName]!]!;
  const size = (n: number) => nodes[n * nf + iSize]!;

  function label(n: number): string {
    const t = type(n);
    if (t === 'closure') return `closure ${name(n) || '(anonymous)'} ${place.get(n) ?? ''}`.trim();
    if (t === 'object' || t === 'native') return `${t} ${name(n).slice(0, 60)}`;
    return `(${t})`;
  }

  function groups(key: (n: number) => string | undefined = label): Groups {
    const out: Groups = new Map();
    for (let n = 0; n < count; n++) {
      const k = key(n);
      if (k === undefined) continue;
      const g = out.get(k) ?? { n: 0, bytes: 0 };
      g.n++;
      g.bytes += size(n);
      out.set(k, g);
    }
    return out;
  }

  /**
   * Edges into nodes whose label contains `text` (or, `outgoing`, out of them), counted by
   * owner, edge and target.
   */
  function holders(text: string, outgoing = false): Groups {
    const out: Groups = new Map();
    let edgeAt = 0;
    for (let n = 0; n < count; n++) {
      const k = nodes[n * nf + iEdges]!;
      for (let e = edgeAt; e < edgeAt + k * ef; e += ef) {
        const to = edges[e + eTo]! / nf;
        if (!label(outgoing ? n : to).includes(text)) continue;
        const et = edgeTypes[edges[e + eType]!]!;
        const ni = edges[e + eName]!;
        const edgeName = et === 'element' || et === 'hidden' ? `[${ni}]` : strings[ni];
        const key = `${label(n)} --${et}:${edgeName}--> ${label(to)}`;
        const g = out.get(key) ?? { n: 0, bytes: 0 };
        g.n++;
        g.bytes += size(to);
        out.set(key, g);
      }
      edgeAt += k * ef;
    }
    return out;
  }

  const stringKey = (n: number) =>
    type(n) === 'string' || type(n) === 'concatenated string' || type(n) === 'sliced string'
      ? JSON.stringify(name(n).slice(0, 60))
      : undefined;

  return { label, groups, holders, stringKey };
}

const per = values.per ? Number(values.per) : undefined;
const top = Number(values.top);
const mb = (b: number) => (b / 1e6).toFixed(2);

function print(title: string, g: Groups): void {
  let total = 0;
  let n = 0;
  for (const v of g.values()) {
    total += v.bytes;
    n += v.n;
  }
  console.log(`\n${title}: ${n} objects, ${mb(total)} MB self size`);
  console.log(
    `${'MB'.padStart(8)} ${'count'.padStart(9)}${per ? '   per req   bytes/req' : ''}  what`,
  );
  for (const [key, v] of [...g].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)) {
    const perCols = per
      ? `${(v.n / per).toFixed(2).padStart(10)} ${(v.bytes / per).toFixed(0).padStart(11)}`
      : '';
    console.log(`${mb(v.bytes).padStart(8)} ${String(v.n).padStart(9)}${perCols}  ${key}`);
  }
}

function minus(a: Groups, b: Groups): Groups {
  const out: Groups = new Map();
  for (const [k, v] of a) {
    const w = b.get(k) ?? { n: 0, bytes: 0 };
    if (v.bytes - w.bytes > 0 || v.n - w.n > 0)
      out.set(k, { n: v.n - w.n, bytes: v.bytes - w.bytes });
  }
  return out;
}

const heap = load(positionals[0]!);
const base = values.minus ? load(values.minus) : undefined;
const diff = (key?: (h: ReturnType<typeof load>) => (n: number) => string | undefined) => {
  const g = heap.groups(key?.(heap));
  return base ? minus(g, base.groups(key?.(base))) : g;
};

print(base ? 'beyond the second snapshot' : 'all', diff());
if (values.strings)
  print(
    'strings',
    diff((h) => h.stringKey),
  );
if (values.retainers) {
  print(
    `what holds '${values.retainers}' (self size of what is held)`,
    heap.holders(values.retainers),
  );
}
if (values.holds) print(`what '${values.holds}' holds`, heap.holders(values.holds, true));
