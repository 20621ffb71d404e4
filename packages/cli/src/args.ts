import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { UsageError } from './errors.ts';

/** Options every API command takes. */
export const CONNECTION_OPTIONS = {
  'api-key': { type: 'string' },
  'base-url': { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig;

/** `parseArgs`, strict, with its errors turned into usage errors of the command. */
export function parseCommand<const O extends ParseArgsOptionsConfig>(
  command: string,
  args: readonly string[],
  options: O,
) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), command);
  }
}

/** A whole number flag within bounds, or a usage error naming the flag. */
export function wholeNumber(
  command: string,
  flag: string,
  raw: string | undefined,
  bounds: { min: number; max: number; fallback: number },
): number {
  if (raw === undefined) return bounds.fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < bounds.min || n > bounds.max) {
    const range = Number.isFinite(bounds.max) ? `${bounds.min}-${bounds.max}` : `>= ${bounds.min}`;
    throw new UsageError(`${flag} must be a whole number ${range}, got '${raw}'`, command);
  }
  return n;
}
