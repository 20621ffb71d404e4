// Two C2PA readers from the npm registry, neither of them goodtake's code: c2pa-ts (TrustNXT's
// pure TypeScript implementation, JPEG and PNG) and c2pa-rs (the Content Authenticity
// Initiative's reference library, as its WebAssembly build, every format goodtake stores).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initSync, WasmReader } from '@contentauth/c2pa-wasm';
import { type Asset, JPEG, PNG } from '@trustnxt/c2pa-ts/asset';
import { SuperBox } from '@trustnxt/c2pa-ts/jumbf';
import { ActionAssertion, IngredientAssertion, ManifestStore } from '@trustnxt/c2pa-ts/manifest';

export interface C2paTsReport {
  readonly found: boolean;
  readonly valid: boolean;
  readonly codes: string[];
  readonly actions: Array<{
    action: string;
    digitalSourceType?: string | undefined;
    softwareAgent?: string | undefined;
    when?: string | undefined;
    ingredients: number;
  }>;
  readonly ingredients: Array<{
    title?: string | undefined;
    relationship?: string | undefined;
    hasManifest: boolean;
  }>;
}

/** What c2pa-ts finds in a JPEG or PNG: the active manifest, its validation, actions, ingredients. */
export async function readWithC2paTs(bytes: Uint8Array): Promise<C2paTsReport> {
  let asset: Asset;
  if (JPEG.canRead(bytes)) asset = new JPEG(bytes);
  else if (PNG.canRead(bytes)) asset = new PNG(bytes);
  else throw new Error('c2pa-ts reads JPEG and PNG only');
  const jumbf = asset.getManifestJUMBF();
  if (!jumbf) return { found: false, valid: false, codes: [], actions: [], ingredients: [] };
  const store = ManifestStore.read(SuperBox.fromBuffer(jumbf as Uint8Array<ArrayBuffer>));
  const result = await store.validate(asset);
  const manifest = store.getActiveManifest();
  const assertions = manifest?.assertions?.assertions ?? [];
  return {
    found: true,
    valid: result.isValid,
    codes: result.statusEntries.map((e) => e.code),
    actions: assertions
      .filter((a): a is ActionAssertion => a instanceof ActionAssertion)
      .flatMap((a) =>
        a.actions.map((x) => ({
          action: x.action,
          digitalSourceType: x.digitalSourceType,
          softwareAgent: x.softwareAgent?.name,
          when: (x as { when?: string }).when,
          ingredients: x.parameters?.ingredients?.length ?? 0,
        })),
      ),
    ingredients: assertions
      .filter((a): a is IngredientAssertion => a instanceof IngredientAssertion)
      .map((i) => ({
        title: i.title,
        relationship: i.relationship,
        hasManifest: Boolean(i.activeManifest ?? i.c2pa_manifest),
      })),
  };
}

let wasmReady = false;

export interface C2paRsReport {
  readonly state: string;
  readonly failures: string[];
  readonly successes: string[];
  // biome-ignore lint/suspicious/noExplicitAny: c2pa-rs's manifest JSON, read as the tests need it
  readonly manifest: any;
}

/** What c2pa-rs reports for the bytes: validation state, status codes and the active manifest. */
export async function readWithC2paRs(bytes: Uint8Array, mime: string): Promise<C2paRsReport> {
  if (!wasmReady) {
    const path = createRequire(import.meta.url).resolve('@contentauth/c2pa-wasm/c2pa.wasm');
    initSync({ module: readFileSync(path) });
    wasmReady = true;
  }
  const reader = await WasmReader.fromBytes(mime, bytes);
  try {
    const store = JSON.parse(reader.json());
    const results = store.validation_results?.activeManifest ?? {};
    const codes = (list: Array<{ code: string }> | undefined) => (list ?? []).map((e) => e.code);
    return {
      state: store.validation_state,
      failures: codes(results.failure),
      successes: codes(results.success),
      manifest: reader.activeManifest(),
    };
  } finally {
    reader.free();
  }
}
