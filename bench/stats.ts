/** Per-run values and their min/median/max, and how rows of the result table are built. */

export interface Stats {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  /** One value per run, in run order. */
  readonly values: readonly number[];
}

export function stats(values: readonly number[]): Stats {
  const finite = values.filter((v) => Number.isFinite(v));
  const sorted = [...finite].sort((a, b) => a - b);
  const n = sorted.length;
  const median =
    n === 0 ? Number.NaN : n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return {
    min: sorted[0] ?? Number.NaN,
    median,
    max: sorted[n - 1] ?? Number.NaN,
    values,
  };
}

/** A target on a row's value: which column it reads, which statistic, and the bound. */
export interface Target {
  readonly column: 'gateway' | 'derived';
  /** `median` for rates and latencies; `max` for errors and memory (every run must pass). */
  readonly on: 'median' | 'max' | 'min';
  readonly op: '<=' | '>=';
  readonly bound: number;
  readonly text: string;
}

export interface Row {
  readonly scenario: string;
  readonly metric: string;
  readonly unit: string;
  /** The same-run baseline: the direct path, or the named reference. */
  readonly baseline?: Stats;
  readonly gateway?: Stats;
  /** `ratio` = gateway / baseline per run; `diff` = gateway - baseline per run. */
  readonly derived?: { readonly kind: 'ratio' | 'diff'; readonly stats: Stats };
  readonly target?: Target;
  /** Whether the target is met, and in how many runs. */
  readonly met?: { readonly ok: boolean; readonly runs: number; readonly of: number };
  readonly note?: string;
}

export function row(r: Omit<Row, 'derived' | 'met'> & { derive?: 'ratio' | 'diff' }): Row {
  const { derive, ...rest } = r;
  let derived: Row['derived'];
  if (derive && r.baseline && r.gateway) {
    const values = r.gateway.values.map((g, i) => {
      const b = r.baseline!.values[i] ?? Number.NaN;
      return derive === 'ratio' ? g / b : g - b;
    });
    derived = { kind: derive, stats: stats(values) };
  }
  let met: Row['met'];
  const t = r.target;
  if (t) {
    const s = t.column === 'gateway' ? r.gateway : derived?.stats;
    if (s) {
      const pass = (v: number) => (t.op === '<=' ? v <= t.bound : v >= t.bound);
      met = {
        ok: pass(s[t.on]),
        runs: s.values.filter((v) => Number.isFinite(v) && pass(v)).length,
        of: s.values.length,
      };
    }
  }
  return { ...rest, ...(derived ? { derived } : {}), ...(met ? { met } : {}) };
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toString();
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

export function fmtStats(s: Stats | undefined, suffix = ''): string {
  if (!s) return '';
  if (s.values.length === 1) return `${fmt(s.median)}${suffix}`;
  return `${fmt(s.min)} / ${fmt(s.median)} / ${fmt(s.max)}${suffix}`;
}

/** The result table as Markdown (the same text is printed and goes into docs/performance.md). */
export function markdownTable(rows: readonly Row[]): string {
  const head =
    '| # | metric | baseline (min / median / max) | goodtake (min / median / max) | goodtake vs baseline | target | met |';
  const sep = '|---|---|---|---|---|---|---|';
  const lines = rows.map((r) => {
    const d = r.derived
      ? `${r.derived.kind === 'ratio' ? '×' : 'Δ'} ${fmtStats(r.derived.stats)}`
      : '';
    const met = r.met ? `${r.met.ok ? 'yes' : '**NO**'} (${r.met.runs}/${r.met.of} runs)` : '';
    const unit = r.unit ? ` (${r.unit})` : '';
    const note = r.note ? ` — ${r.note}` : '';
    return `| ${r.scenario} | ${r.metric}${unit}${note} | ${fmtStats(r.baseline)} | ${fmtStats(r.gateway)} | ${d} | ${r.target?.text ?? ''} | ${met} |`;
  });
  return [head, sep, ...lines].join('\n');
}
