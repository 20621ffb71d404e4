/**
 * Prompt markers steer a fake upstream per request: `[[fake:flag]]` or
 * `[[fake:key=value,key2=value2]]`. Each fake documents the markers it understands.
 */
export interface Markers {
  /** The first value of `key` (`''` for a bare flag), or undefined. */
  get(key: string): string | undefined;
  /** Every value of `key`, across markers. */
  all(key: string): string[];
  /** The raw markers with their fields, for `times` bookkeeping. */
  readonly groups: ReadonlyArray<{
    readonly raw: string;
    readonly fields: ReadonlyMap<string, string>;
  }>;
}

const MARKER = /\[\[fake:([^\]]*)\]\]/g;

/** Finds the markers in a prompt. */
export function parseMarkers(prompt: string): Markers {
  const groups = [...prompt.matchAll(MARKER)].map((m) => {
    const fields = new Map<string, string>();
    for (const part of (m[1] ?? '').split(',')) {
      const [key, ...rest] = part.split('=');
      if (key?.trim()) fields.set(key.trim(), rest.join('=').trim());
    }
    return { raw: m[0], fields };
  });
  return {
    groups,
    get: (key) => groups.find((g) => g.fields.has(key))?.fields.get(key),
    all: (key) => groups.filter((g) => g.fields.has(key)).map((g) => g.fields.get(key) ?? ''),
  };
}

/** A marker value as a non-negative integer, or undefined. */
export function intMarker(markers: Markers, key: string): number | undefined {
  const raw = markers.get(key);
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/**
 * The first marker group that has `key`, unless its `times` field is used up (counted per
 * marker text in `uses`).
 */
export function countedMarker(
  markers: Markers,
  key: string,
  uses: Map<string, number>,
): ReadonlyMap<string, string> | undefined {
  const group = markers.groups.find((g) => g.fields.has(key));
  if (!group) return undefined;
  const times = Number(group.fields.get('times') ?? Number.POSITIVE_INFINITY);
  const used = uses.get(group.raw) ?? 0;
  if (used >= times) return undefined;
  uses.set(group.raw, used + 1);
  return group.fields;
}
