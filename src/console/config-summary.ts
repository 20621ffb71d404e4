import type { Config } from '../config.ts';

const SECRET_NAMES =
  /(secret|token|apikey|api_key|password|credentials|accesskey|^key$|privatekey)/i;
const MAX_VALUE_CHARS = 120;

/** A URL with its password (and any user name) replaced. */
function maskUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '****';
    if (url.username && url.password) url.username = '****';
    return url.toString();
  } catch {
    return raw.replace(/\/\/[^@/]*@/, '//****@');
  }
}

/**
 * The configuration in force as flat `name: value` lines for the operator's health page:
 * every secret replaced by `****` (set) or `-` (unset), passwords in URLs masked.
 */
export function maskedConfig(config: Config): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'function') return;
    if (value === undefined || value === null) {
      out[path] = '-';
      return;
    }
    const last = path.split('.').pop() ?? path;
    if (SECRET_NAMES.test(last)) {
      out[path] = '****';
      return;
    }
    if (value instanceof Map) {
      for (const [k, v] of value) walk(v, `${path}.${String(k)}`);
      return;
    }
    // Lists of things with ids (the catalog's models): their ids.
    if (Array.isArray(value) && value.some((v) => typeof v === 'object' && v !== null)) {
      out[path] = value
        .map((v: unknown) => (v as { id?: unknown } | null)?.id ?? '…')
        .map(String)
        .join(', ');
      return;
    }
    if (typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
      return;
    }
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    const shown = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? maskUrl(text) : text;
    out[path] = shown.length > MAX_VALUE_CHARS ? `${shown.slice(0, MAX_VALUE_CHARS)}…` : shown;
  };
  walk(config, '');
  return out;
}
