import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { CatalogError, type CatalogInputs, catalogFromFile, defaultCatalog } from './build.ts';
import type { Catalog } from './types.ts';

/** Parses a catalog file's text: JSON for `.json`, YAML otherwise (YAML also reads JSON). */
export function parseCatalogText(text: string, path: string): unknown {
  try {
    return /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new CatalogError(path, [`cannot be parsed: ${(err as Error).message.split('\n')[0]}`]);
  }
}

/**
 * The catalog goodtake serves: the file GOODTAKE_CATALOG names (JSON or YAML), checked against
 * the schema and the configured providers, or the default catalog when it is unset.
 */
export function loadCatalog(path: string | undefined, inputs: CatalogInputs): Catalog {
  if (path === undefined) return defaultCatalog(inputs);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CatalogError(path, [`cannot be read: ${(err as NodeJS.ErrnoException).code ?? err}`]);
  }
  return catalogFromFile(parseCatalogText(text, path), path, inputs);
}
