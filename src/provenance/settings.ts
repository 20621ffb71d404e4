/** Which provenance parts goodtake embeds in every image it stores. */
export interface ProvenanceParts {
  /** IPTC metadata (digital source type, AI system, tool) in the file's XMP. */
  readonly xmp: boolean;
  /** A signed C2PA manifest (Content Credentials). */
  readonly c2pa: boolean;
}

export type ProvenancePartsOutcome =
  | { readonly ok: true; readonly parts: ProvenanceParts }
  | { readonly ok: false; readonly message: string };

const ALL: ProvenanceParts = { xmp: true, c2pa: true };
const NONE: ProvenanceParts = { xmp: false, c2pa: false };

/**
 * GOODTAKE_PROVENANCE: `on` (the default: both parts), `off`, or a comma-separated list of the
 * parts to embed (`xmp`, `c2pa`).
 */
export function parseProvenanceParts(value: string | undefined): ProvenancePartsOutcome {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || /^(on|true|1|yes|all)$/.test(v)) return { ok: true, parts: ALL };
  if (/^(off|false|0|no|none)$/.test(v)) return { ok: true, parts: NONE };
  const names = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => n !== 'xmp' && n !== 'c2pa');
  if (unknown.length > 0 || names.length === 0) {
    return {
      ok: false,
      message: `GOODTAKE_PROVENANCE must be on, off or a list of xmp and c2pa, got '${value}'`,
    };
  }
  return { ok: true, parts: { xmp: names.includes('xmp'), c2pa: names.includes('c2pa') } };
}
